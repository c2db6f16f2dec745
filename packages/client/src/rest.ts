import { LicenseHubError } from './errors.js'
import type {
  ActiveSession, AllocationResult, CreateUserBody, EventHistoryPage, EventHistoryQuery, GenerateLicenseBody, LicenseRecord, LicenseSummary,
  LicenseTypeView, LicenseUser, LoginBody, LoginResponse, SessionCount, SessionGrant, SessionValidation, SyncResult,
  UserView, WebrtcSessions, WsStats,
} from './wire.js'

export type FetchLike = (input: string, init?: {
  method?: string
  headers?: Record<string, string>
  body?: string
  signal?: AbortSignal
}) => Promise<{ status: number; ok: boolean; statusText: string; text(): Promise<string> }>

export interface RestClientOptions {
  /** The api's base URL, e.g. `https://licenses.example.com` (no trailing `/api`). */
  baseUrl: string
  /** The Bearer token, asked for on every call so a new sign-in is used at once; none for login. */
  token?: () => string | undefined | Promise<string | undefined>
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike
  /** Per-request timeout (default 15 s); a timeout is a LicenseHubError with status 0. */
  timeoutMs?: number
}

/** `features` as the contract promises (an object), also from an older server that sent a JSON string. */
export function parseFeatures(value: unknown): Record<string, boolean> {
  let parsed = value
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value)
    } catch {
      return {}
    }
  }
  if (Array.isArray(parsed)) return Object.fromEntries(parsed.filter((f): f is string => typeof f === 'string').map((f) => [f, true]))
  if (!parsed || typeof parsed !== 'object') return {}
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v === true || v === 'true' || v === 1]))
}

function normalizeLicense<T extends { features: unknown; licenseType?: { features: unknown } }>(license: T): T {
  const copy = { ...license, features: parseFeatures(license.features) }
  if (license.licenseType) copy.licenseType = { ...license.licenseType, features: parseFeatures(license.licenseType.features) }
  return copy
}

/** A typed client of every route of the contract. Every failure is a LicenseHubError. */
export class LicenseHubRest {
  readonly baseUrl: string
  private readonly options: RestClientOptions

  constructor(options: RestClientOptions) {
    this.options = options
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
  }

  /** The `/ws/license` URL of the same api (http→ws, https→wss). */
  get socketUrl(): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/ws/license`
  }

  async request<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const fetchImpl = this.options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined)
    if (!fetchImpl) throw new LicenseHubError(0, 'NETWORK_ERROR', 'No fetch implementation available')
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (auth) {
      const token = await this.options.token?.()
      if (!token) throw new LicenseHubError(401, 'UNAUTHORIZED', 'Authentication required')
      headers.authorization = `Bearer ${token}`
    }
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 15_000)
    let status: number
    let text: string
    let statusText: string
    try {
      const response = await fetchImpl(`${this.baseUrl}${path}`, {
        method, headers, signal: controller.signal, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
      status = response.status
      statusText = response.statusText
      text = await response.text()
    } catch (cause) {
      const timedOut = controller.signal.aborted
      throw new LicenseHubError(0, 'NETWORK_ERROR', timedOut ? 'The license server did not answer in time' : 'The license server could not be reached', { cause })
    } finally {
      clearTimeout(timer)
    }
    let parsed: unknown
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      parsed = undefined
    }
    if (status >= 200 && status < 300) return parsed as T
    const error = (parsed && typeof parsed === 'object' ? parsed : {}) as { code?: unknown; message?: unknown }
    throw new LicenseHubError(
      status,
      typeof error.code === 'string' ? error.code : `HTTP_${status}`,
      typeof error.message === 'string' ? error.message : statusText || `HTTP ${status}`
    )
  }

  // Authentication
  async login(body: LoginBody): Promise<LoginResponse> {
    const answer = await this.request<LoginResponse>('POST', '/api/auth/login', body, false)
    return { ...answer, license: answer.license ? normalizeLicense(answer.license) : answer.license }
  }

  // Licenses (any authenticated user)
  async currentLicense(): Promise<LicenseSummary> {
    return normalizeLicense(await this.request<LicenseSummary>('GET', '/api/licenses/current'))
  }

  sessionCount(): Promise<SessionCount> { return this.request('GET', '/api/licenses/session-count') }
  createSession(body: { deviceId: string; force?: boolean }): Promise<SessionGrant> {
    return this.request('POST', '/api/licenses/create-session', body)
  }

  async validateSession(sessionId: string): Promise<SessionValidation> {
    const answer = await this.request<SessionValidation>('POST', '/api/licenses/validate-session', { sessionId })
    return answer.valid ? { ...answer, license: normalizeLicense(answer.license) } : answer
  }

  endSession(sessionId: string): Promise<{ ended: true }> { return this.request('POST', '/api/licenses/end-session', { sessionId }) }

  // Admin
  async listLicenses(): Promise<LicenseRecord[]> {
    return (await this.request<LicenseRecord[]>('GET', '/api/licenses/')).map((l) => ({ ...l, features: parseFeatures(l.features) }))
  }

  async licenseTypes(): Promise<LicenseTypeView[]> {
    return (await this.request<LicenseTypeView[]>('GET', '/api/licenses/types')).map((l) => ({ ...l, features: parseFeatures(l.features) }))
  }

  activeSessions(): Promise<ActiveSession[]> { return this.request('GET', '/api/licenses/active-sessions') }
  sync(): Promise<SyncResult> { return this.request('POST', '/api/licenses/sync') }
  webrtcSessions(licenseId: string): Promise<WebrtcSessions> {
    return this.request('GET', `/api/licenses/${encodeURIComponent(licenseId)}/webrtc-sessions`)
  }

  setAllocation(licenseId: string, webrtcMaxUsers: number): Promise<AllocationResult> {
    return this.request('PUT', `/api/licenses/${encodeURIComponent(licenseId)}/webrtc-allocation`, { webrtcMaxUsers })
  }

  licenseUsers(licenseId: string): Promise<LicenseUser[]> {
    return this.request('GET', `/api/licenses/${encodeURIComponent(licenseId)}/users`)
  }

  setUserWebrtc(licenseId: string, userId: string, enabled: boolean): Promise<unknown> {
    return this.request('PUT', `/api/licenses/${encodeURIComponent(licenseId)}/users/${encodeURIComponent(userId)}/webrtc`, { enabled })
  }

  wsStats(): Promise<WsStats> { return this.request('GET', '/api/ws/stats') }
  events(query: EventHistoryQuery = {}): Promise<EventHistoryPage> {
    const params = new URLSearchParams()
    if (query.after !== undefined) params.set('after', query.after)
    if (query.limit !== undefined) params.set('limit', String(query.limit))
    if (query.type !== undefined) params.set('type', query.type)
    return this.request('GET', `/api/events${params.size ? `?${params}` : ''}`)
  }

  createUser(body: CreateUserBody): Promise<UserView> { return this.request('POST', '/api/users', body) }
  listUsers(): Promise<UserView[]> { return this.request('GET', '/api/users') }
  /** Local mode only: issues a signed local license (501 NOT_IMPLEMENTED when a license server is configured). */
  generateLicense(body: GenerateLicenseBody): Promise<LicenseRecord> { return this.request('POST', '/api/licenses/generate', body) }

  // Health
  health(): Promise<unknown> { return this.request('GET', '/health', undefined, false) }
  ready(): Promise<unknown> { return this.request('GET', '/ready', undefined, false) }
}

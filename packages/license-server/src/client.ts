import { setTimeout as sleep } from 'node:timers/promises'
import { Agent } from 'undici'
import type { TSchema, Static } from 'typebox'
import { Compile, type Validator } from 'typebox/compile'
import { LicenseServerError } from './errors.js'
import { LicensesAnswer, LicenseTypesAnswer, WebrtcSessionsAnswer, type ExternalLicense, type ExternalLicenseType } from '@license-hub/contract'

export interface LicenseServerOptions {
  /** Base URL, e.g. https://licenses.example.com/api (no trailing slash needed). */
  url: string
  /** Sent as X-Internal-API-Key; never logged. */
  apiKey?: string
  /** How long to wait for the TCP/TLS connection (default 3 s). */
  connectTimeoutMs?: number
  /** How long to wait for the response headers, and between body chunks (default 5 s). */
  responseTimeoutMs?: number
  /** Extra attempts after a timeout, refused connection or 5xx (default 1). */
  retries?: number
  /** Delay before the first retry, doubled for each next one (default 500 ms). */
  retryDelayMs?: number
  /** Larger answers are refused as malformed (default 10 MiB). */
  maxResponseBytes?: number
  /**
   * Most connections (kept alive) to the server, and so most calls in flight at once (default 16):
   * a sync's thousands of webrtc-sessions calls reuse them instead of opening one socket each.
   */
  connections?: number
}

/** `GET /licenses` either lists licenses or, with a 404, says the server has none for us. */
export type LicensesResult = { found: true; licenses: ExternalLicense[] } | { found: false }

export interface LicenseServerClient {
  readonly url: string
  fetchLicenses(): Promise<LicensesResult>
  fetchLicenseTypes(): Promise<ExternalLicenseType[]>
  /** The server's own allocation for a license, or undefined when it does not offer the (optional) call. */
  fetchWebrtcAllocation(licenseId: string | number): Promise<number | undefined>
  /**
   * fetchWebrtcAllocation for many licenses over the pooled connections, at most `connections` in
   * flight: per id (as a string) the allocation, undefined, or the call's LicenseServerError. Once
   * several calls in a row could not reach the server (timeout, refused, 5xx), the rest are not
   * made and answer that error: a server that is down costs one timeout, not one per license.
   */
  fetchWebrtcAllocations(licenseIds: Array<string | number>): Promise<Map<string, number | undefined | LicenseServerError>>
  close(): Promise<void>
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])

function describe(err: unknown, path: string): LicenseServerError {
  if (err instanceof LicenseServerError) return err
  const code = (err as { code?: string }).code ?? ''
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? ''
  const message = err instanceof Error ? err.message : String(err)
  if (TIMEOUT_CODES.has(code)) return new LicenseServerError('timeout', path, `timed out (${message})`)
  if (code === 'ECONNREFUSED' || cause === 'ECONNREFUSED') return new LicenseServerError('refused', path, 'connection refused')
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return new LicenseServerError('malformed', path, 'answer too large')
  return new LicenseServerError('unreachable', path, `${code || 'network error'} (${message})`)
}

function firstError(validator: Validator, value: unknown): string {
  const error = validator.Errors(value)[0]
  return error ? `${error.instancePath || '/'} ${error.message}` : 'invalid'
}

// Compiled once: checking a 10,000-license answer with the interpreted Value.Check took longer than
// fetching and parsing it.
const validators = {
  licenses: Compile(LicensesAnswer),
  types: Compile(LicenseTypesAnswer),
  webrtcSessions: Compile(WebrtcSessionsAnswer),
}

/** Consecutive unreachable webrtc-sessions calls after which a sync stops making them. */
const GIVE_UP_AFTER = 3

/** An undici client of the seed's API, with connect and response timeouts and a bounded retry. */
export function createLicenseServerClient(options: LicenseServerOptions): LicenseServerClient {
  const base = options.url.replace(/\/+$/, '')
  // Asked of the agent by origin and path: undici's request(url) parses each URL again (5,000 bare
  // webrtc-sessions calls took 430 ms that way on the benchmark's machine, 280 ms this way).
  const { origin, pathname } = new URL(base)
  const prefix = pathname.replace(/\/+$/, '')
  const responseTimeout = options.responseTimeoutMs ?? 5_000
  const retries = options.retries ?? 1
  const retryDelay = options.retryDelayMs ?? 500
  const connections = Math.max(1, options.connections ?? 16)
  const agent = new Agent({
    connections,
    connect: { timeout: options.connectTimeoutMs ?? 3_000 },
    headersTimeout: responseTimeout,
    bodyTimeout: responseTimeout,
    maxResponseSize: options.maxResponseBytes ?? 10 * 1024 * 1024,
  })
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.apiKey) headers['x-internal-api-key'] = options.apiKey

  /** One GET: the parsed JSON, `undefined` for a 404, or a LicenseServerError. */
  async function getOnce(path: string): Promise<unknown> {
    let response
    try {
      response = await agent.request({ origin, path: `${prefix}${path}`, method: 'GET', headers })
    } catch (err) {
      throw describe(err, path)
    }
    let text: string
    try {
      text = await response.body.text()
    } catch (err) {
      throw describe(err, path)
    }
    if (response.statusCode === 404) return undefined
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new LicenseServerError('http', path, `answered ${response.statusCode}`, response.statusCode)
    }
    try {
      return JSON.parse(text)
    } catch {
      throw new LicenseServerError('malformed', path, 'answer is not JSON')
    }
  }

  async function get<S extends TSchema>(path: string, validator: Validator<{}, S>, attempts = retries + 1): Promise<Static<S> | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const body = await getOnce(path)
        if (body === undefined) return undefined
        if (!validator.Check(body)) throw new LicenseServerError('malformed', path, `malformed answer: ${firstError(validator, body)}`)
        return body as Static<S>
      } catch (err) {
        const failure = describe(err, path)
        if (!failure.retryable || attempt >= attempts) throw failure
        await sleep(retryDelay * 2 ** (attempt - 1))
      }
    }
  }

  const webrtcSessionsPath = (licenseId: string | number) => `/licenses/${encodeURIComponent(String(licenseId))}/webrtc-sessions`
  async function fetchWebrtcAllocation(licenseId: string | number): Promise<number | undefined> {
    // Optional call: one attempt, so a server without it does not slow every sync down.
    const answer = await get(webrtcSessionsPath(licenseId), validators.webrtcSessions, 1)
    return answer?.webrtc_max_users
  }

  return {
    url: base,
    async fetchLicenses() {
      const answer = await get('/licenses', validators.licenses)
      if (!answer) return { found: false }
      for (const license of answer.data) {
        for (const field of ['issued_at', 'expires_at'] as const) {
          const value = license[field]
          if (typeof value === 'string' && Number.isNaN(Date.parse(value))) {
            throw new LicenseServerError('malformed', '/licenses', `malformed answer: license ${license.id} ${field} is not a date`)
          }
        }
      }
      return { found: true, licenses: answer.data }
    },
    async fetchLicenseTypes() {
      return (await get('/licenses/types', validators.types))?.data ?? []
    },
    fetchWebrtcAllocation,
    async fetchWebrtcAllocations(licenseIds) {
      const answers = new Map<string, number | undefined | LicenseServerError>()
      const ids = licenseIds.map(String)
      let next = 0
      let unreachableInARow = 0
      let gaveUp: LicenseServerError | undefined
      const lane = async () => {
        while (next < ids.length) {
          const id = ids[next++]!
          if (gaveUp) { answers.set(id, gaveUp); continue }
          try {
            answers.set(id, await fetchWebrtcAllocation(id))
            unreachableInARow = 0
          } catch (err) {
            const failure = describe(err, webrtcSessionsPath(id))
            answers.set(id, failure)
            unreachableInARow = failure.retryable ? unreachableInARow + 1 : 0
            if (unreachableInARow >= GIVE_UP_AFTER) gaveUp = failure
          }
        }
      }
      await Promise.all(Array.from({ length: Math.min(connections, ids.length) }, lane))
      return answers
    },
    async close() {
      await agent.destroy()
    },
  }
}

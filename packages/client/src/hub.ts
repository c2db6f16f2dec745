import { LicenseHubError } from './errors.js'
import { NotificationStore, type NotificationState } from './notifications.js'
import { LicenseHubRest, type FetchLike } from './rest.js'
import { timerScheduler, type Scheduler } from './scheduler.js'
import { SeatKeeper, type SeatStatus } from './seat.js'
import { LicenseSocket, type LicenseSocketStatus, type SocketConstructor } from './socket.js'
import { memoryStore, type KeyValueStore } from './store.js'
import type { LicenseEventMessage, LicenseSummary } from './wire.js'

export interface LicenseHubOptions {
  /** The api's base URL, e.g. `https://licenses.example.com`. */
  baseUrl: string
  /** The signed-in user's JWT (asked for on every call and every socket try). */
  token: () => string | undefined | null | Promise<string | undefined | null>
  /** Set to hold a WebRTC seat for this device (an extension); leave out to only watch the license. */
  deviceId?: string | (() => string | Promise<string>)
  /** Keeps the seat's session and the event cursor (e.g. `chromeStorageStore()`); memory by default. */
  store?: KeyValueStore
  /** Waits for back-off, heartbeats and toasts (e.g. `chromeAlarmsScheduler()`); timers by default. */
  scheduler?: Scheduler
  WebSocket?: SocketConstructor
  fetch?: FetchLike
  /** Extra options of the socket, e.g. a retry limit. */
  socket?: { maxAttempts?: number; pingIntervalMs?: number; pongTimeoutMs?: number }
  /** Event types that make no toast (default: none). */
  silentEvents?: string[]
}

export interface LicenseHubState {
  license: LicenseSummary | undefined
  /** The last failed license load (kept until one succeeds). */
  licenseError: { status: number; code: string; message: string } | undefined
  seat: SeatStatus
  connection: LicenseSocketStatus
  notifications: NotificationState
  /** The token was refused or is missing: sign in again, then `start()`. */
  authRequired: boolean
  /** The last license event received. */
  lastEvent: LicenseEventMessage | undefined
}

/**
 * Everything an extension or a web app needs, wired together: the REST client, the license socket
 * (its events become toasts and reach the seat keeper; it reloads the license), the seat keeper
 * when a `deviceId` is given, and one observable state.
 */
export class LicenseHub {
  readonly rest: LicenseHubRest
  readonly socket: LicenseSocket
  readonly seat: SeatKeeper | undefined
  readonly notifications: NotificationStore
  private state: LicenseHubState
  private readonly listeners = new Set<(state: LicenseHubState) => void>()

  constructor(options: LicenseHubOptions) {
    const scheduler = options.scheduler ?? timerScheduler()
    const store = options.store ?? memoryStore()
    const token = async () => (await options.token()) ?? undefined
    this.rest = new LicenseHubRest({ baseUrl: options.baseUrl, token, ...(options.fetch ? { fetch: options.fetch } : {}) })
    this.notifications = new NotificationStore({ scheduler })
    const silent = new Set(options.silentEvents ?? [])
    this.seat = options.deviceId === undefined
      ? undefined
      : new SeatKeeper({
        rest: this.rest, deviceId: options.deviceId, store, scheduler,
        onStateChange: (seat) => this.update({ seat }),
        onLicense: (license) => this.update({ license, licenseError: undefined }),
        onAuthRequired: () => this.authRequired(),
      })
    this.socket = new LicenseSocket({
      url: this.rest.socketUrl, token, store, scheduler, ...options.socket,
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      reload: () => this.reload(),
      onEvent: (event) => {
        this.update({ lastEvent: event })
        this.seat?.handleEvent(event)
        if (!silent.has(event.type)) this.notifications.pushEvent(event)
      },
      onAuthError: () => this.authRequired(),
      onStateChange: (connection) => this.update({ connection }),
    })
    this.state = {
      license: undefined, licenseError: undefined, seat: this.seat?.status ?? { state: 'idle' },
      connection: this.socket.status, notifications: this.notifications.getState(), authRequired: false, lastEvent: undefined,
    }
    this.notifications.subscribe((notifications) => this.update({ notifications }))
  }

  getState = (): LicenseHubState => this.state

  subscribe = (listener: (state: LicenseHubState) => void): (() => void) => {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Connects the socket (which loads the license on open) and takes the seat. Call after sign-in. */
  async start(): Promise<void> {
    this.update({ authRequired: false })
    this.socket.connect()
    await Promise.all([this.reload(), this.seat?.start()])
  }

  /** Takes the seat from this user's other device. */
  async force(): Promise<SeatStatus | undefined> {
    return this.seat?.force()
  }

  /** Gives the seat back and closes the socket (sign-out). `forgetCursor` for a different next user. */
  async stop(options: { forgetCursor?: boolean } = {}): Promise<void> {
    this.socket.close()
    await this.seat?.stop()
    if (options.forgetCursor) await this.socket.resetCursor()
  }

  /**
   * Closes the socket and stops heartbeats but keeps the seat and the cursor stored, for a new
   * LicenseHub on the same store to take over (e.g. with a refreshed token).
   */
  suspend(): void {
    this.socket.close()
    this.seat?.suspend()
  }

  /** Loads the license over REST now. */
  async reload(): Promise<LicenseSummary | undefined> {
    try {
      const license = await this.rest.currentLicense()
      this.update({ license, licenseError: undefined })
      return license
    } catch (err) {
      const error = err instanceof LicenseHubError ? err : new LicenseHubError(0, 'NETWORK_ERROR', String(err))
      this.update({ licenseError: { status: error.status, code: error.code, message: error.message } })
      if (error.status === 401) this.authRequired()
      return undefined
    }
  }

  private authRequired(): void {
    if (this.state.authRequired) return
    this.socket.close()
    this.update({ authRequired: true, connection: { state: 'auth_required', attempt: 0 } })
  }

  private update(patch: Partial<LicenseHubState>): void {
    this.state = { ...this.state, ...patch }
    for (const listener of this.listeners) listener(this.state)
  }
}

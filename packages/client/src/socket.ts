import { backoffDelay, DEFAULT_BACKOFF, TRY_AGAIN_LATER_FLOOR_MS, type BackoffOptions } from './backoff.js'
import { timerScheduler, type Scheduler } from './scheduler.js'
import type { KeyValueStore } from './store.js'
import { CLOSE_CODES, type LicenseEventMessage, type ServerMessage } from './wire.js'

/** The part of the WebSocket API used: the browser's, or the `ws` package's in Node. */
export interface SocketLike {
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number }) => void) | null
  onerror: ((event: unknown) => void) | null
}
export type SocketConstructor = new (url: string, protocols?: string | string[]) => SocketLike

/**
 * idle: not started or closed by `close()`; connecting: asking for a token or opening;
 * open: connected; reconnecting: waiting `nextRetryMs` before the next try;
 * auth_required: the server refused the token (1008) or there is none: sign in, then `connect()`;
 * stopped: gave up after `maxAttempts` failures in a row (only when a limit is set).
 */
export type LicenseSocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'auth_required' | 'stopped'

export interface LicenseSocketStatus {
  state: LicenseSocketState
  /** The close code that led here, when a socket closed. */
  code?: number
  /** Failed tries in a row (0 once a socket has stayed open 10 s or delivered a message). */
  attempt: number
  /** In `reconnecting`: the wait before the next try. */
  nextRetryMs?: number
  /** Why the socket was dropped by the client itself: `pong_timeout`, `token_error`, `no_token`. */
  reason?: string
}

export interface LicenseSocketOptions {
  /** e.g. `wss://licenses.example.com/ws/license` (see `LicenseHubRest.socketUrl`). */
  url: string
  /** Asked before each try, so a renewed token is used; no token means `auth_required`. */
  token: () => string | undefined | null | Promise<string | undefined | null>
  onEvent?: (event: LicenseEventMessage) => void
  /** The server says events may have been missed (a reload follows through `reload`). */
  onResync?: () => void
  /**
   * Reloads the license over REST. Called on every (re)open, on `resync`, and after every
   * `license_*` and `module_*` event, so nothing is lost between a REST load and the socket.
   * Calls do not overlap: one arriving while another runs makes one more run after it.
   */
  reload?: () => unknown
  /** The token was refused (1008) or is missing: the socket stops until `connect()` is called again. */
  onAuthError?: () => void
  onStateChange?: (status: LicenseSocketStatus) => void
  /** A frame that is not a JSON message was received (it is ignored). */
  onBadFrame?: (data: unknown) => void
  /** Where to resume from when no store holds a cursor. */
  lastEventId?: string
  /** Keeps the event cursor (`lastEventId` key) across restarts, e.g. `chromeStorageStore()`. */
  store?: KeyValueStore
  scheduler?: Scheduler
  backoff?: Partial<BackoffOptions>
  /** Failures in a row after which the socket gives up (state `stopped`); default: never. */
  maxAttempts?: number
  /** A socket open this long resets the back-off (default 10 s). */
  stableAfterMs?: number
  /** Least wait after a 1013 (default 5 s). */
  tryAgainLaterFloorMs?: number
  /** Application-level ping period (default 20 s; it also keeps an MV3 worker alive). */
  pingIntervalMs?: number
  /** No message this long after a ping: the socket is taken as dead and replaced (default 10 s). */
  pongTimeoutMs?: number
  random?: () => number
  WebSocket?: SocketConstructor
  /** Prefix of this socket's scheduler names (default `socket`). */
  name?: string
}

const CURSOR_KEY = 'lastEventId'

function parseMessage(data: unknown): ServerMessage | undefined {
  if (typeof data !== 'string') return undefined
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return undefined
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined
  const message = value as Record<string, unknown>
  if (typeof message.type !== 'string') return undefined
  if (message.type === 'pong' || message.type === 'resync') return message as ServerMessage
  if (typeof message.id !== 'string' || !message.data || typeof message.data !== 'object') return undefined
  return message as unknown as ServerMessage
}

/**
 * One live `/ws/license` connection: `bearer.<JWT>` subprotocol, resume from `lastEventId`,
 * back-off 1 s doubling to 30 s with jitter (reset only by a socket that stayed open 10 s or
 * delivered a message), at least 5 s after a 1013, no limit on tries by default, 1008 stops
 * and reports auth required, a pong watchdog, and never two live sockets.
 */
export class LicenseSocket {
  private readonly options: LicenseSocketOptions
  private readonly scheduler: Scheduler
  private readonly backoff: BackoffOptions
  private readonly names: { retry: string; stable: string; ping: string; pong: string }
  private cursor: string | undefined
  private cursorLoaded = false
  private generation = 0
  private running = false
  private attempt = 0
  private socket: SocketLike | undefined
  private current: LicenseSocketStatus = { state: 'idle', attempt: 0 }
  private reloading: Promise<void> | undefined
  private reloadAgain = false

  constructor(options: LicenseSocketOptions) {
    this.options = options
    this.scheduler = options.scheduler ?? timerScheduler()
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff }
    this.cursor = options.lastEventId
    const name = options.name ?? 'socket'
    this.names = { retry: `${name}:retry`, stable: `${name}:stable`, ping: `${name}:ping`, pong: `${name}:pong` }
  }

  get lastEventId(): string | undefined { return this.cursor }
  get status(): LicenseSocketStatus { return this.current }

  /** Starts (or restarts after auth_required/stopped); does nothing while already running. */
  connect(): void {
    if (this.running) return
    this.running = true
    this.attempt = 0
    this.open()
  }

  /** While waiting to retry, tries now (e.g. the network came back); otherwise does nothing. */
  reconnectNow(): void {
    if (!this.running || this.current.state !== 'reconnecting') return
    this.scheduler.cancel(this.names.retry)
    this.open()
  }

  /** Closes the socket and stops; `connect()` starts again. The cursor is kept. */
  close(): void {
    this.running = false
    this.generation++
    this.stopTimers()
    this.scheduler.cancel(this.names.retry)
    const socket = this.socket
    this.socket = undefined
    this.detachAndClose(socket, 1000)
    this.setState({ state: 'idle', attempt: this.attempt })
  }

  /** Forgets the event cursor (e.g. another user signed in). */
  async resetCursor(): Promise<void> {
    this.cursor = undefined
    this.cursorLoaded = true
    await this.options.store?.remove(CURSOR_KEY)
  }

  private setState(status: LicenseSocketStatus): void {
    this.current = status
    this.options.onStateChange?.(status)
  }

  private open(): void {
    const generation = ++this.generation
    this.setState({ state: 'connecting', attempt: this.attempt })
    // A store, getToken or WebSocket that throws is a drop like any other (token_error), retried with back-off.
    void this.start(generation).catch(() => {
      if (generation === this.generation) this.dropped(generation, undefined, 'token_error')
    })
  }

  private async start(generation: number): Promise<void> {
    if (!this.cursorLoaded) {
      const stored = await this.options.store?.get<string>(CURSOR_KEY)
      if (!this.cursorLoaded) {
        this.cursor = stored ?? this.cursor
        this.cursorLoaded = true
      }
    }
    const token = await this.options.token()
    if (generation !== this.generation) return // close() or another connect() happened meanwhile
    if (!token) {
      this.running = false
      this.setState({ state: 'auth_required', attempt: this.attempt, reason: 'no_token' })
      this.options.onAuthError?.()
      return
    }
    const Socket = this.options.WebSocket ?? (globalThis as unknown as { WebSocket?: SocketConstructor }).WebSocket
    if (!Socket) throw new Error('No WebSocket implementation available')
    const query = this.cursor ? `${this.options.url.includes('?') ? '&' : '?'}lastEventId=${encodeURIComponent(this.cursor)}` : ''
    const socket = new Socket(`${this.options.url}${query}`, [`bearer.${token}`])
    this.socket = socket
    const live = () => generation === this.generation
    socket.onopen = () => {
      if (!live()) return
      this.setState({ state: 'open', attempt: this.attempt })
      this.scheduler.schedule(this.names.stable, this.options.stableAfterMs ?? 10_000, () => {
        if (live()) this.attempt = 0
      })
      this.schedulePing(generation)
      this.reload()
    }
    socket.onmessage = ({ data }) => {
      if (!live()) return
      const message = parseMessage(data)
      if (!message) {
        this.options.onBadFrame?.(data)
        return
      }
      this.scheduler.cancel(this.names.pong)
      this.attempt = 0
      this.handle(message)
    }
    socket.onclose = ({ code }) => {
      if (live()) this.dropped(generation, code)
    }
    socket.onerror = () => {} // a close follows
  }

  private handle(message: ServerMessage): void {
    if (message.type === 'pong') return
    if (message.type === 'resync') {
      this.options.onResync?.()
      this.reload()
      return
    }
    this.cursor = message.id
    // A cursor not stored costs only a longer replay (or a resync) after a restart.
    this.options.store?.set(CURSOR_KEY, message.id).catch(() => {})
    this.options.onEvent?.(message)
    if (message.type.startsWith('license_') || message.type.startsWith('module_')) this.reload()
  }

  private reload(): void {
    const reload = this.options.reload
    if (!reload) return
    if (this.reloading) {
      this.reloadAgain = true
      return
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false
        try {
          await reload()
        } catch {
          // A failed reload is retried by the next open, resync or event; the caller's reload reports it.
        }
      } while (this.reloadAgain && this.running)
    })().finally(() => { this.reloading = undefined })
  }

  private schedulePing(generation: number): void {
    this.scheduler.schedule(this.names.ping, this.options.pingIntervalMs ?? 20_000, () => {
      if (generation !== this.generation || !this.socket) return
      try {
        this.socket.send(JSON.stringify({ type: 'ping' }))
      } catch {
        // a socket that cannot send is closing: its onclose, or the watchdog, takes over
      }
      this.scheduler.schedule(this.names.pong, this.options.pongTimeoutMs ?? 10_000, () => {
        if (generation === this.generation) this.dropped(generation, undefined, 'pong_timeout')
      })
      this.schedulePing(generation)
    })
  }

  private stopTimers(): void {
    this.scheduler.cancel(this.names.stable)
    this.scheduler.cancel(this.names.ping)
    this.scheduler.cancel(this.names.pong)
  }

  private detachAndClose(socket: SocketLike | undefined, code: number): void {
    if (!socket) return
    socket.onopen = null
    socket.onmessage = null
    socket.onclose = null
    try {
      socket.close(code)
    } catch {
      // already closed
    }
  }

  private dropped(generation: number, code: number | undefined, reason?: string): void {
    if (generation !== this.generation) return
    this.generation++
    this.stopTimers()
    const socket = this.socket
    this.socket = undefined
    // A socket dropped by the watchdog may be half-open: close it without waiting for its close event.
    this.detachAndClose(socket, 1000)
    if (!this.running) return
    if (code === CLOSE_CODES.badToken) {
      this.running = false
      this.setState({ state: 'auth_required', code, attempt: this.attempt })
      this.options.onAuthError?.()
      return
    }
    this.attempt++
    const extra = { ...(code !== undefined ? { code } : {}), ...(reason ? { reason } : {}) }
    if (this.attempt > (this.options.maxAttempts ?? Infinity)) {
      this.running = false
      this.setState({ state: 'stopped', attempt: this.attempt, ...extra })
      return
    }
    let delay = backoffDelay(this.attempt, this.backoff, this.options.random)
    if (code === CLOSE_CODES.tryAgainLater) delay = Math.max(delay, this.options.tryAgainLaterFloorMs ?? TRY_AGAIN_LATER_FLOOR_MS)
    this.setState({ state: 'reconnecting', attempt: this.attempt, nextRetryMs: delay, ...extra })
    this.scheduler.schedule(this.names.retry, delay, () => {
      if (this.running && this.current.state === 'reconnecting') this.open()
    }, { wake: true })
  }
}

/** The earlier name of the options. */
export type LicenseEventsOptions = LicenseSocketOptions

/** The seed-compatible entry point: `licenseEvents(options).connect()`. */
export function licenseEvents(options: LicenseSocketOptions): LicenseSocket {
  return new LicenseSocket(options)
}

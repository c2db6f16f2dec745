import { CLOSE_CODES, type LicenseEventMessage, type ServerMessage } from './messages.js'

export * from './messages.js'

/** The part of the WebSocket API we use: the browser's, or the `ws` package's in Node. */
interface SocketLike {
  readyState: number
  send(data: string): void
  close(code?: number): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number }) => void) | null
}
type SocketConstructor = new (url: string, protocols?: string | string[]) => SocketLike

export interface LicenseEventsOptions {
  /** e.g. `wss://api.example.com/ws/license` */
  url: string
  /** Asked at each (re)connect, so a refreshed token is used. */
  token: () => string | Promise<string>
  onEvent: (event: LicenseEventMessage) => void
  /** Events may have been missed: reload the license over REST. */
  onResync?: () => void
  /** The token was refused or expired (1008): the client stops until `connect` is called again. */
  onAuthError?: () => void
  /** Where to resume after a restart of the extension. */
  lastEventId?: string
  pingIntervalMs?: number
  backoff?: { initialMs: number; maxMs: number }
  WebSocket?: SocketConstructor
}

export interface LicenseEvents {
  readonly lastEventId: string | undefined
  connect(): void
  close(): void
}

/**
 * Keeps one socket open: pings every 20 s (an MV3 service worker lives only while messages flow),
 * reconnects with exponential backoff and jitter, and resumes from the last event received.
 */
export function licenseEvents(options: LicenseEventsOptions): LicenseEvents {
  const Socket = options.WebSocket ?? (globalThis as unknown as { WebSocket: SocketConstructor }).WebSocket
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 1000, maxMs: 30_000 }
  let lastEventId = options.lastEventId
  let socket: SocketLike | undefined
  let attempt = 0
  let stopped = true
  let ping: ReturnType<typeof setInterval> | undefined
  let retry: ReturnType<typeof setTimeout> | undefined

  const reconnect = () => {
    const delay = Math.min(maxMs, initialMs * 2 ** attempt++)
    retry = setTimeout(start, delay / 2 + Math.random() * delay / 2)
  }
  const start = () => { open().catch(() => { if (!stopped) reconnect() }) }
  const open = async () => {
    const token = await options.token()
    if (stopped) return
    const query = lastEventId ? `?lastEventId=${encodeURIComponent(lastEventId)}` : ''
    const current = new Socket(`${options.url}${query}`, [`bearer.${token}`])
    socket = current
    current.onopen = () => {
      attempt = 0
      ping = setInterval(() => current.send(JSON.stringify({ type: 'ping' })), options.pingIntervalMs ?? 20_000)
    }
    current.onmessage = ({ data }) => {
      const message = JSON.parse(String(data)) as ServerMessage
      if (message.type === 'resync') return options.onResync?.()
      if (message.type === 'pong') return
      lastEventId = message.id
      options.onEvent(message)
    }
    current.onclose = ({ code }) => {
      clearInterval(ping)
      if (socket !== current || stopped) return
      if (code === CLOSE_CODES.badToken) {
        stopped = true
        return options.onAuthError?.()
      }
      reconnect()
    }
  }

  return {
    get lastEventId() { return lastEventId },
    connect() {
      if (!stopped) return
      stopped = false
      attempt = 0
      start()
    },
    close() {
      stopped = true
      clearTimeout(retry)
      clearInterval(ping)
      socket?.close(1000)
    },
  }
}

import { WebSocket, type ClientOptions } from 'ws'
import type { FastifyInstance } from 'fastify'
import { Value } from 'typebox/value'
import { ServerMessage as ServerMessageSchema, type LicenseEvent } from '@license-hub/contract'
import { licenseEvents, type LicenseEventMessage, type LicenseEventsOptions } from '@license-hub/client'

type Teardown = { teardown: (fn: () => unknown) => void }

export interface ServerMessage {
  id?: string
  type: string
  tenantId?: string
  timestamp?: string
  data?: Record<string, unknown>
  [key: string]: unknown
}

export interface TestSocket {
  ws: WebSocket
  /** Resolves with the next message not yet taken; fails after `ms` (a bound, not an assertion on speed). */
  next: (ms?: number) => Promise<ServerMessage>
  /** Every message received so far. */
  received: ServerMessage[]
  closed: Promise<{ code: number; reason: string }>
  send: (message: unknown) => void
}

const urls = new WeakMap<FastifyInstance, string>()

/** Listens on an ephemeral port once per app and answers its ws:// base URL. */
export async function wsUrl(app: FastifyInstance): Promise<string> {
  let url = urls.get(app)
  if (!url) {
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    url = address.replace(/^http/, 'ws')
    urls.set(app, url)
  }
  return url
}

/**
 * A real WebSocket client of `/ws/license` on `app`, or on a ws:// base URL (e.g. a balancer's);
 * `query` is appended as is. Waits for the handshake.
 */
export async function connect(t: Teardown, target: FastifyInstance | string, options: {
  token?: string
  query?: Record<string, string>
  protocols?: string[]
  client?: ClientOptions
} = {}): Promise<TestSocket> {
  const params = new URLSearchParams({ ...(options.token ? { token: options.token } : {}), ...options.query })
  const base = typeof target === 'string' ? target : await wsUrl(target)
  const ws = new WebSocket(`${base}/ws/license${params.size ? `?${params}` : ''}`, options.protocols ?? [], options.client)
  t.teardown(() => ws.terminate())
  const received: ServerMessage[] = []
  const queue: ServerMessage[] = []
  const waiters: Array<(message: ServerMessage) => void> = []
  ws.on('message', (data) => {
    const parsed = JSON.parse(data.toString()) as ServerMessage
    // A message outside the contract's schema reaches the test as one no assertion accepts.
    const message = Value.Check(ServerMessageSchema, parsed) ? parsed : { type: 'off-contract', message: parsed }
    received.push(message)
    const waiter = waiters.shift()
    if (waiter) waiter(message)
    else queue.push(message)
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)))
  })
  ws.on('error', () => {})
  return {
    ws,
    received,
    closed,
    send: (message) => ws.send(JSON.stringify(message)),
    next: (ms = 5000) => {
      const queued = queue.shift()
      if (queued) return Promise.resolve(queued)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1)
          reject(new Error(`no message within ${ms} ms`))
        }, ms)
        const waiter = (message: ServerMessage) => { clearTimeout(timer); resolve(message) }
        waiters.push(waiter)
      })
    },
  }
}

/** The HTTP status of a refused upgrade (the socket never opens). */
export async function refusedStatus(app: FastifyInstance, path: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(`${await wsUrl(app)}${path}`, { headers })
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate() })
    ws.once('open', () => { ws.terminate(); reject(new Error('the upgrade was accepted')) })
    ws.once('error', () => {})
  })
}

export const licenseExpired = (): LicenseEvent<'license_expired'> => ({
  type: 'license_expired',
  data: { expiredAt: new Date().toISOString(), severity: 'error', message: 'Your license has expired' },
})

export const licenseUpdated = (changes: string[]): LicenseEvent<'license_updated'> => ({
  type: 'license_updated',
  data: { changes, severity: 'info', message: 'Your license was updated' },
})

/** Polls `read` until `done` holds (at most `tries` × 50 ms) and answers the last value. */
export async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, tries = 100): Promise<T> {
  let value = await read()
  for (let i = 0; i < tries && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    value = await read()
  }
  return value
}

/** The client SDK on `url`, collecting events; `received(n)` resolves once n events have arrived. */
export function sdkClient(t: Teardown, url: string, token: string, extra: Partial<LicenseEventsOptions> = {}) {
  const events: LicenseEventMessage[] = []
  let waiting: { count: number; resolve: () => void } | undefined
  const received = (count: number) => new Promise<void>((resolve) => {
    if (events.length >= count) return resolve()
    waiting = { count, resolve }
  })
  const client = licenseEvents({
    url,
    token: () => token,
    WebSocket: WebSocket as never,
    backoff: { initialMs: 50, maxMs: 200 },
    onEvent: (event) => {
      events.push(event)
      if (waiting && events.length >= waiting.count) waiting.resolve()
    },
    ...extra,
  })
  t.teardown(() => client.close())
  return { client, events, received }
}

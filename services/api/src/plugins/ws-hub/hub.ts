import type { WebSocket } from 'ws'
import type { FastifyBaseLogger } from 'fastify'
import { CLOSE_CODES, type LicenseEventMessage, type PublishedEvent, type ResyncMessage } from '@license-hub/contract'
import type { AuthUser } from '../auth.js'
import type { WsHubOptions } from './options.js'

/** One event serialised once per node: every socket of the tenant gets the same bytes. */
export interface Frame {
  event: PublishedEvent
  bytes: Buffer
}

export interface Client {
  socket: WebSocket
  user: AuthUser
  hub: WsHub
  /** The upgrade request's id, on the socket's log lines. */
  reqId: string
  /** Cleared at each protocol ping, set again by the pong. */
  alive: boolean
  /** Live frames that arrive while the client's replay runs, sent right after it. */
  pending?: Frame[]
  /** Ids the replay sent: the same event may still arrive live (it was published after we read it). */
  replayed?: Set<string>
  /** When the token expires (ms since the epoch): the socket is closed with 1008 then. */
  expiresAt?: number
}

export type Admission = 'ok' | 'node-full' | 'tenant-full' | 'user-full' | 'draining'

// userId stays on the node: it only routes session_ended.
export function encodeEvent(event: PublishedEvent): Frame {
  const { id, type, tenantId, timestamp, data } = event
  const message = { id, type, tenantId, timestamp, data } as LicenseEventMessage
  return { event, bytes: Buffer.from(JSON.stringify(message)) }
}

const RESYNC = Buffer.from(JSON.stringify({ type: 'resync' } satisfies ResyncMessage))

/** This node's sockets, grouped by tenant, and delivery to them. */
export class WsHub {
  readonly tenants = new Map<string, Set<Client>>()
  /** Open sockets per user on this node: one leaked token cannot take the tenant's whole cap. */
  private readonly users = new Map<string, number>()
  size = 0
  draining = false
  slowConsumers = 0
  /** No token expires before this (ms): the expiry sweep has nothing to do until then. */
  private nextExpiry = Infinity
  /** Called with +1/-1 when a tenant's count on this node changes. */
  onCountChange: (tenantId: string, delta: number) => void = () => {}

  constructor(private readonly options: WsHubOptions, readonly log: FastifyBaseLogger) {}

  admit(client: Client): Admission {
    if (this.draining) return 'draining'
    if (this.size >= this.options.maxConnectionsPerNode) return 'node-full'
    const tenant = this.tenants.get(client.user.tenantId) ?? new Set<Client>()
    if (tenant.size >= this.options.maxConnectionsPerTenant) return 'tenant-full'
    const userSockets = this.users.get(client.user.id) ?? 0
    if (userSockets >= this.options.maxConnectionsPerUser) return 'user-full'
    this.users.set(client.user.id, userSockets + 1)
    tenant.add(client)
    this.tenants.set(client.user.tenantId, tenant)
    this.size++
    if (client.expiresAt !== undefined) this.nextExpiry = Math.min(this.nextExpiry, client.expiresAt)
    this.onCountChange(client.user.tenantId, 1)
    return 'ok'
  }

  remove(client: Client): void {
    const tenant = this.tenants.get(client.user.tenantId)
    if (!tenant?.delete(client)) return
    const userSockets = (this.users.get(client.user.id) ?? 1) - 1
    if (userSockets > 0) this.users.set(client.user.id, userSockets)
    else this.users.delete(client.user.id)
    if (tenant.size === 0) this.tenants.delete(client.user.tenantId)
    this.size--
    this.onCountChange(client.user.tenantId, -1)
  }

  counts(): Map<string, number> {
    return new Map([...this.tenants].map(([tenantId, clients]) => [tenantId, clients.size]))
  }

  deliver(event: PublishedEvent): void {
    const clients = this.tenants.get(event.tenantId)
    if (!clients) return
    const frame = encodeEvent(event)
    for (const client of clients) {
      if (event.userId && client.user.id !== event.userId) continue
      if (client.pending) {
        if (client.pending.length < this.options.maxReplayEvents) client.pending.push(frame)
        continue
      }
      if (client.replayed?.has(event.id)) continue
      this.send(client, frame.bytes)
    }
  }

  /** Sends without ever waiting: a socket that does not drain is dropped, never awaited. */
  send(client: Client, bytes: Buffer): void {
    const { socket } = client
    if (socket.readyState !== socket.OPEN) return
    if (socket.bufferedAmount > this.options.maxBufferedBytes) return this.dropSlowConsumer(client)
    socket.send(bytes, { binary: false })
  }

  sendResync(client: Client): void {
    this.send(client, RESYNC)
  }

  /** After a Redis fault every client may have missed events: each reloads the license over REST. */
  resyncAll(): void {
    for (const clients of this.tenants.values()) for (const client of clients) this.sendResync(client)
    if (this.size > 0) this.log.info({ connections: this.size }, 'sent resync to every connection')
  }

  private dropSlowConsumer(client: Client): void {
    this.remove(client)
    this.slowConsumers++
    this.log.warn({ tenantId: client.user.tenantId, userId: client.user.id, bufferedBytes: client.socket.bufferedAmount }, 'closing slow WebSocket consumer')
    client.socket.close(CLOSE_CODES.slowConsumer, 'Slow consumer')
    // The close frame waits behind the unread data; a client that never reads is cut off.
    setTimeout(() => client.socket.terminate(), this.options.slowConsumerCloseMs).unref()
  }

  /**
   * Closes with 1008 every socket whose token has expired: the client must log in again, not
   * retry. One sweep a second for the node instead of a timer per socket (a timer and its
   * closures were a tenth of what an idle socket held).
   */
  closeExpired(now = Date.now()): void {
    if (now < this.nextExpiry) return
    let next = Infinity
    for (const clients of this.tenants.values()) {
      for (const client of clients) {
        if (client.expiresAt === undefined) continue
        if (client.expiresAt > now) {
          next = Math.min(next, client.expiresAt)
          continue
        }
        this.remove(client)
        client.socket.close(CLOSE_CODES.badToken, 'Token expired')
      }
    }
    this.nextExpiry = next
  }

  /** Protocol-level liveness: a socket that did not answer the previous ping is cut off. */
  heartbeat(): void {
    for (const clients of this.tenants.values()) {
      for (const client of clients) {
        if (!client.alive) {
          this.remove(client)
          client.socket.terminate()
          continue
        }
        client.alive = false
        client.socket.ping()
      }
    }
  }

  /** Closes every socket with 1001 in batches, so clients reconnect elsewhere without a storm. */
  async drain(): Promise<void> {
    this.draining = true
    const clients = [...this.tenants.values()].flatMap((set) => [...set])
    const closed = clients.map((client) => new Promise<void>((resolve) => {
      if (client.socket.readyState === client.socket.CLOSED) return resolve()
      client.socket.once('close', () => resolve())
    }))
    for (let i = 0; i < clients.length; i += this.options.drainBatchSize) {
      if (i > 0) await sleep(this.options.drainBatchIntervalMs)
      for (const client of clients.slice(i, i + this.options.drainBatchSize)) {
        this.remove(client)
        client.socket.close(CLOSE_CODES.goingAway, 'Server shutting down')
      }
    }
    const timeout = sleep(this.options.drainTimeoutMs)
    await Promise.race([Promise.all(closed), timeout])
    for (const client of clients) if (client.socket.readyState !== client.socket.CLOSED) client.socket.terminate()
    if (clients.length > 0) this.log.info({ connections: clients.length }, 'closed WebSocket connections for shutdown')
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

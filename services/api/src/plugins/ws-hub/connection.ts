import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify'
import type { WebSocket, RawData } from 'ws'
import { CLOSE_CODES, type ClientMessage, type PongMessage, type WsConnectionQuery } from '@license-hub/contract'
import { missedEvents, type LicensingContext, type Replay } from '@license-hub/licensing'
import type { AuthUser } from '../auth.js'
import { encodeEvent, type Client, type WsHub } from './hub.js'
import type { WsHubOptions } from './options.js'

const BEARER = 'bearer.'

/** The JWT from `?token=` (as the extension sends it) or from the `bearer.<JWT>` subprotocol. */
export function tokenOf(request: FastifyRequest<{ Querystring: WsConnectionQuery }>): string | undefined {
  if (request.query.token) return request.query.token
  const protocols = request.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim()) ?? []
  return protocols.find((p) => p.startsWith(BEARER))?.slice(BEARER.length) || undefined
}

/** The subprotocol echoed back: browsers fail a handshake that requested one and got none. */
export function selectProtocol(protocols: Set<string>): string | false {
  for (const protocol of protocols) if (protocol.startsWith(BEARER)) return protocol
  return protocols.values().next().value ?? false
}

/**
 * Before the upgrade: the token's signature and claims, then its user against the record (which
 * needs a query, so it cannot wait until the socket is open without missing the first events).
 * A refused token is still upgraded and closed with 1008, as the contract says; a record that
 * cannot be read is a 503 before any WebSocket exists.
 */
export async function checkConnectionToken(
  app: FastifyInstance, request: FastifyRequest<{ Querystring: WsConnectionQuery }>
): Promise<AuthUser | undefined> {
  const token = tokenOf(request)
  const user = token ? app.verifyToken(token) : undefined
  if (!user) return undefined
  return (await app.tokenHonoured(user)) ? user : undefined
}

/**
 * @fastify/websocket routes an upgrade through Fastify with a ServerResponse assigned to the TCP
 * socket; hijacked, it never finishes, so the socket kept it, and through its listeners the
 * request and reply (raw request, headers, route context), for the connection's whole life:
 * three times the memory of a bare `ws` socket. The upgrade is done by now, so the socket lets go.
 */
function releaseUpgradeResponse(request: FastifyRequest): void {
  const tcp = request.raw.socket as (Socket & { _httpMessage?: ServerResponse | null }) | null
  const response = tcp?._httpMessage
  if (tcp && response) response.detachSocket(tcp)
}

/** Handlers are attached synchronously, before any await, so no client message is missed. */
export function acceptConnection(
  app: FastifyInstance, hub: WsHub, options: WsHubOptions, socket: WebSocket,
  request: FastifyRequest<{ Querystring: WsConnectionQuery }>, user: AuthUser | undefined
): void {
  releaseUpgradeResponse(request)
  const token = tokenOf(request)
  if (!token || !user) {
    // The reason, never the token (the request URL carrying it is redacted by the logger).
    request.log.warn({ reason: token ? tokenFault(app, token) : 'no token', code: 'WS_REFUSED' }, 'WebSocket refused')
    socket.close(CLOSE_CODES.badToken, 'Invalid or expired token')
    return
  }
  // The hub's sweep closes the socket with 1008 when the token expires (the client must log in again).
  const client: Client = { socket, user, hub, reqId: request.id, alive: true, expiresAt: user.tokenExpiresAt }
  const { lastEventId } = request.query
  // Live events are held from the moment the client is registered until its replay is sent.
  if (lastEventId !== undefined) client.pending = []
  const admission = hub.admit(client)
  if (admission !== 'ok') {
    request.log.warn({ tenantId: user.tenantId, userId: user.id, reason: admission, code: 'WS_REFUSED' }, 'WebSocket refused')
    socket.close(admission === 'draining' ? CLOSE_CODES.goingAway : CLOSE_CODES.tryAgainLater, admission === 'draining' ? 'Server shutting down' : 'Too many connections')
    return
  }

  // An open socket's listeners are the same four functions for every socket, finding their client
  // by the socket: closures per socket (and the request's logger they held) were a good part of
  // an idle socket's memory. @fastify/websocket's own error listener held the request and reply
  // for the socket's whole life; ours replaces it.
  accepted.set(socket, client)
  socket.removeAllListeners('error')
  socket.on('error', onSocketError)
  socket.on('pong', onPong)
  socket.on('message', onSocketMessage)
  socket.on('close', onSocketClose)
  request.log.info({ tenantId: user.tenantId, userId: user.id, replay: lastEventId !== undefined }, 'WebSocket connected')
  if (lastEventId !== undefined) void replay(app.licensing, hub, options, client, lastEventId, request)
}

const accepted = new WeakMap<WebSocket, Client>()

function onSocketError(this: WebSocket, err: Error): void {
  const client = accepted.get(this)
  if (client) socketError(client.hub.log, this, err, { reqId: client.reqId })
  else this.terminate()
}

function onPong(this: WebSocket): void {
  const client = accepted.get(this)
  if (client) client.alive = true
}

function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const client = accepted.get(this)
  if (client) onMessage(client, data, isBinary)
}

function onSocketClose(this: WebSocket, code: number): void {
  const client = accepted.get(this)
  if (!client) return
  client.hub.remove(client)
  client.hub.log.info({ reqId: client.reqId, tenantId: client.user.tenantId, userId: client.user.id, closeCode: code }, 'WebSocket disconnected')
}

/**
 * A client's protocol error (oversize frame, bad opcode, invalid UTF-8) is its own fault: ws has
 * already closed the socket with the right code; one warn line without a stack, so no client can
 * flood the error log. Anything else is ours, logged with its stack.
 */
export function socketError(log: FastifyBaseLogger, socket: WebSocket, err: Error, fields: Record<string, unknown> = {}): void {
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && code.startsWith('WS_ERR_')) log.warn({ ...fields, code, reason: err.message }, 'WebSocket protocol error: socket closed')
  else log.error({ ...fields, err }, 'WebSocket handler failed')
  socket.terminate()
}

/** Why a token was refused: expired, or not a valid token of ours at all. */
function tokenFault(app: FastifyInstance, token: string): 'expired token' | 'invalid token' | 'invalid claims' {
  try {
    app.jwt.verify(token)
    return 'invalid claims'
  } catch (err) {
    return (err as { code?: string }).code === 'FAST_JWT_EXPIRED' ? 'expired token' : 'invalid token'
  }
}

function onMessage(client: Client, data: RawData, isBinary: boolean): void {
  client.alive = true
  if (isBinary) return
  let message: unknown
  try {
    message = JSON.parse(data.toString())
  } catch {
    return
  }
  if ((message as Partial<ClientMessage> | null)?.type === 'ping') {
    const pong: PongMessage = { type: 'pong', timestamp: new Date().toISOString() }
    client.hub.send(client, Buffer.from(JSON.stringify(pong)))
  }
}

async function replay(
  ctx: LicensingContext, hub: WsHub, options: WsHubOptions, client: Client, lastEventId: string, request: FastifyRequest
): Promise<void> {
  let result: Replay
  try {
    result = await missedEvents(ctx, client.user.tenantId, lastEventId, options.maxReplayEvents)
  } catch (err) {
    request.log.warn({ err, tenantId: client.user.tenantId }, 'replay failed: client told to resync')
    result = { kind: 'resync' }
  }
  const pending = client.pending ?? []
  client.pending = undefined
  if (result.kind === 'resync' || pending.length >= options.maxReplayEvents) return hub.sendResync(client)

  const replayed = new Set<string>()
  for (const event of result.events) {
    if (event.userId && event.userId !== client.user.id) continue
    replayed.add(event.id)
    hub.send(client, encodeEvent(event).bytes)
  }
  for (const frame of pending) if (!replayed.has(frame.event.id)) hub.send(client, frame.bytes)
  if (replayed.size > 0) client.replayed = replayed
  request.log.debug({ tenantId: client.user.tenantId, replayed: replayed.size, buffered: pending.length }, 'WebSocket replay sent')
}

import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import fp from 'fastify-plugin'
import fastifyWebsocket from '@fastify/websocket'
import type { FastifyRequest } from 'fastify'
import { AppError, ErrorResponse, WsConnectionQuery } from '@license-hub/contract'
import { dropOnEvent } from '@license-hub/licensing'
import { WsHub } from './hub.js'
import { acceptConnection, checkConnectionToken, selectProtocol, socketError } from './connection.js'
import type { AuthUser } from '../auth.js'
import { nodeStats, subscribeToEvents, type RedisTarget, type TenantStats } from '@license-hub/redis'
import { ensureRegistered, trackHub } from './metrics.js'
import { DEFAULT_WS_HUB_OPTIONS, type WsHubOptions } from './options.js'

export type { WsHubOptions } from './options.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** This node's WebSocket connections, and the counts of every node. */
    wsHub: {
      hub: WsHub
      nodeId: string
      tenantStats: (tenantId: string) => Promise<TenantStats>
    }
  }
}

export interface WsHubPluginOptions extends Partial<WsHubOptions> {
  redisUrl: RedisTarget
}

/**
 * `GET /ws/license`: each api node keeps its own sockets by tenant and receives every event once
 * on its subscriber (a connection per shard on a Redis Cluster), then sends it to its own sockets
 * of that tenant.
 */
export default fp<WsHubPluginOptions>(async (app, { redisUrl, ...overrides }) => {
  const options: WsHubOptions = { ...DEFAULT_WS_HUB_OPTIONS, ...overrides }
  const nodeId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`
  const hub = new WsHub(options, app.log)
  const stats = nodeStats(app.redis, app.licensing.keys, nodeId, options.statsRefreshMs * 3)
  // A failed refresh only makes /api/ws/stats stale until the next one rewrites the whole hash.
  const refreshStats = () => stats.refresh(hub.counts()).catch((err: unknown) => app.log.warn({ err }, 'ws stats not refreshed'))
  hub.onCountChange = stats.changed
  const untrack = trackHub(hub, app.config.metricsTenantLabels)

  const subscriber = subscribeToEvents(redisUrl, app.licensing.keys, app.log, {
    onEvent: (event) => {
      dropOnEvent(app.licensing.node, event)
      hub.deliver(event)
    },
    onSubscribed: () => {
      // Whatever changed while the subscription was down went unheard: read licenses afresh.
      app.licensing.node?.licenses.clear()
      hub.resyncAll()
      // A restarted Redis has lost this node's counts too.
      void refreshStats()
    },
  })
  await subscriber.ready(5_000)

  const heartbeat = setInterval(() => hub.heartbeat(), options.pingIntervalMs).unref()
  const expiry = setInterval(() => hub.closeExpired(), options.tokenExpirySweepMs).unref()
  const refresh = setInterval(() => { void refreshStats() }, options.statsRefreshMs).unref()
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    clearInterval(heartbeat)
    clearInterval(expiry)
    clearInterval(refresh)
    await hub.drain()
    app.websocketServer.close()
    await stats.remove().catch((err: unknown) => app.log.warn({ err }, 'ws stats of this node not removed: they age out'))
    untrack()
    // Last, so events keep reaching the sockets still open until they are closed.
    await subscriber.close()
  }

  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: false,
      handleProtocols: selectProtocol,
    },
    // Errors before a socket is accepted; an accepted socket has its own listener (connection.ts).
    errorHandler: (err, socket, request) => socketError(request.log, socket, err),
    // Replaces the default, which closes every socket at once: a reconnect storm on the other nodes.
    preClose: async () => {
      app.draining = true
      await stop()
    },
  })
  app.addHook('onClose', stop)
  app.addHook('onReady', async () => {
    ensureRegistered()
    await refreshStats()
  })

  app.decorate('wsHub', { hub, nodeId, tenantStats: (tenantId: string) => stats.forTenant(tenantId) })

  const checkedUsers = new WeakMap<FastifyRequest, AuthUser | undefined>()
  app.route<{ Querystring: WsConnectionQuery }>({
    method: 'GET',
    url: '/ws/license',
    schema: {
      tags: ['realtime'],
      summary: 'WebSocket of license events (token as ?token= or the bearer.<JWT> subprotocol; ?lastEventId= to replay)',
      description: 'A plain HTTP request (no Upgrade) answers 426 UPGRADE_REQUIRED.',
      querystring: WsConnectionQuery,
      response: { 426: ErrorResponse },
    },
    onRequest: async (request: FastifyRequest) => {
      const allowed = app.config.allowedOrigins
      if (allowed.length > 0 && !allowed.includes(request.headers.origin ?? '')) {
        request.log.warn({ origin: request.headers.origin, reason: 'origin not allowed', code: 'WS_REFUSED' }, 'WebSocket refused')
        throw new AppError('FORBIDDEN', 'Origin not allowed')
      }
      if (app.draining || hub.draining) {
        request.log.info({ reason: 'draining', code: 'WS_REFUSED' }, 'WebSocket refused')
        throw new AppError('SERVICE_UNAVAILABLE')
      }
    },
    preHandler: async (request: FastifyRequest<{ Querystring: WsConnectionQuery }>) => {
      if (request.headers.upgrade?.toLowerCase() !== 'websocket') return
      checkedUsers.set(request, await checkConnectionToken(app, request))
    },
    handler: async () => { throw new AppError('UPGRADE_REQUIRED') },
    wsHandler: (socket, request) => acceptConnection(app, hub, options, socket, request, checkedUsers.get(request)),
  })
}, { name: 'ws-hub', dependencies: ['storage', 'auth', 'licensing'] })

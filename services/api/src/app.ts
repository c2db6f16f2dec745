import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config, Logger } from '@license-hub/config'
import type { Secrets } from '@license-hub/licensing'
import type { RedisTarget } from '@license-hub/redis'
import { markQuietRoutes, RequestLogs, requestLogger } from './request-logs.js'
import errorHandler, { clientErrorHandler, frameworkErrors } from './plugins/error-handler.js'
import cors from './plugins/cors.js'
import { compilersFactory } from './validation.js'
import storage from './plugins/storage.js'
import auth from './plugins/auth.js'
import licensing from './plugins/licensing.js'
import syncQueue from './plugins/sync-queue.js'
import healthRoutes from './routes/health/index.js'
import wsHub, { type WsHubOptions } from './plugins/ws-hub/index.js'
import wsRoutes from './routes/ws/index.js'
import docs from './plugins/docs.js'
import securityHeaders from './plugins/security-headers.js'
import metrics from './plugins/metrics.js'
import authRoutes from './routes/auth/index.js'
import userRoutes from './routes/users/index.js'
import licenseRoutes from './routes/licenses/index.js'
import sessionRoutes from './routes/sessions/index.js'
import allocationRoutes from './routes/allocation/index.js'
import syncRoutes from './routes/sync/index.js'
import eventRoutes from './routes/events/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    secrets: Secrets
    /** True once SIGTERM arrived: /ready fails so the balancer moves traffic away. */
    draining: boolean
    /** Prefix of every Redis key and channel this node uses (tests give each file its own). */
    redisPrefix: string
  }
}

export interface AppOptions {
  config: Config
  secrets: Secrets
  databaseUrl: string
  redisUrl: RedisTarget
  logger: Logger
  redisPrefix?: string
  /** The clock, replaceable in tests. */
  now?: () => Date
  /** WebSocket hub tuning (ping period, caps, back-pressure bound); tests shorten the periods. */
  wsHub?: Partial<WsHubOptions>
}

/** The Fastify server options: logging, request ids, proxies, limits and the contract's error shape for what Node refuses. */
function serverOptions(options: AppOptions) {
  return {
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new RequestLogs(),
    childLoggerFactory: requestLogger,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    // X-Forwarded-For is believed only as far as trusted proxies reach: the client is the last untrusted hop.
    trustProxy: options.config.trustedProxies,
    bodyLimit: 64 * 1024,
    schemaController: { compilersFactory: compilersFactory(options.config.nodeEnv !== 'production') },
    // The contract's error shape for what Node refuses before Fastify sees a request (431, 414, 400).
    clientErrorHandler,
    frameworkErrors,
  }
}

/**
 * The api as one plugin (as fastify/demo's app.ts): shared resources first (errors, CORS, headers,
 * storage, auth, licensing, the sync queue, docs, metrics, the WebSocket hub), then one encapsulated
 * plugin per route group. Wrapped by fastify-plugin so its decorators stay visible to the caller.
 */
export const licenseHubApp = fp<AppOptions>(async (app, options) => {
  app.decorate('config', options.config)
  app.decorate('secrets', options.secrets)
  app.decorate('draining', false)
  app.decorate('redisPrefix', options.redisPrefix ?? 'lh:')
  app.addHook('onRoute', markQuietRoutes)

  // First, so that every answer, a refusal by any later hook included, carries its headers.
  await app.register(securityHeaders)
  await app.register(errorHandler)
  await app.register(cors)
  await app.register(storage, { databaseUrl: options.databaseUrl, redisUrl: options.redisUrl })
  await app.register(auth, { secret: options.secrets.jwtSecret })
  await app.register(licensing, { now: options.now })
  await app.register(syncQueue)
  // docs and metrics hook onRoute: they must come before every route.
  await app.register(docs)
  await app.register(metrics)
  // @fastify/websocket wraps the routes registered after it.
  const caps = {
    maxConnectionsPerUser: options.config.wsMaxConnectionsPerUser,
    maxConnectionsPerTenant: options.config.wsMaxConnectionsPerTenant,
    maxConnectionsPerNode: options.config.wsMaxConnectionsPerNode,
  }
  await app.register(wsHub, { redisUrl: options.redisUrl, ...caps, ...options.wsHub })
  await app.register(healthRoutes)
  await app.register(authRoutes, { prefix: '/api/auth' })
  await app.register(userRoutes, { prefix: '/api/users' })
  await app.register(licenseRoutes, { prefix: '/api/licenses' })
  await app.register(sessionRoutes, { prefix: '/api/licenses' })
  await app.register(allocationRoutes, { prefix: '/api/licenses' })
  await app.register(syncRoutes, { prefix: '/api/licenses' })
  await app.register(wsRoutes, { prefix: '/api/ws' })
  await app.register(eventRoutes, { prefix: '/api/events' })
}, { name: 'license-hub' })

/** The only way the api is built, in tests and in server.ts: a Fastify server with the app plugin in it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(options)).withTypeProvider<TypeBoxTypeProvider>()
  await app.register(licenseHubApp, options)
  return app
}

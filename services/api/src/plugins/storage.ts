import fp from 'fastify-plugin'
import { createDb, type Db } from '@license-hub/db'
import { closeRedis, createRedis, type RedisClient, type RedisTarget } from '@license-hub/redis'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    redis: RedisClient
  }
}

export interface StorageOptions {
  databaseUrl: string
  redisUrl: RedisTarget
}

/** Postgres (Kysely) and Redis clients shared by every route, released when the app closes. */
export default fp<StorageOptions>(async (app, opts) => {
  const db = createDb(opts.databaseUrl, { queryTimeoutMs: 4_000 })
  const redis = createRedis(opts.redisUrl, 'command')
  redis.on('error', (err) => app.log.warn({ err }, 'redis connection error'))
  app.decorate('db', db)
  app.decorate<RedisClient>('redis', redis)
  app.addHook('onClose', async () => {
    await Promise.allSettled([db.destroy(), closeRedis(redis)])
  })
}, { name: 'storage' })

import { Redis, type RedisOptions } from 'ioredis'

export type { Redis }

export type RedisRole = 'command' | 'subscriber' | 'queue-producer' | 'queue-worker'

/**
 * One ioredis client per role. Commands fail fast while Redis is away (the API answers 503
 * rather than queueing requests forever); BullMQ workers need maxRetriesPerRequest: null.
 */
export function createRedis(url: string, role: RedisRole = 'command', extra: RedisOptions = {}): Redis {
  const options: RedisOptions = {
    connectionName: `license-hub:${role}`,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    ...(role === 'queue-worker' || role === 'subscriber'
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: role !== 'queue-producer' }),
    // A request must not hang on a Redis that stopped answering: it gets a 503 within seconds.
    ...(role === 'command' ? { commandTimeout: 2000 } : {}),
    ...extra,
  }
  return new Redis(url, options)
}

/** A round trip to Redis (readiness checks). */
export async function pingRedis(redis: Redis): Promise<void> {
  await redis.ping()
}

/** Closes a connection politely (QUIT), dropping it if Redis does not answer. */
export async function closeRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect()) // already closed or unreachable: dropping the socket is all that is left
}

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
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    ...(role === 'queue-worker' || role === 'subscriber'
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 2, enableOfflineQueue: role !== 'queue-producer' }),
    ...extra,
  }
  return new Redis(url, options)
}

import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'

/** A client to a single Redis or to a Redis Cluster: every module works with either. */
export type RedisClient = Redis | Cluster
export type { Redis }

/**
 * Where Redis is: a `redis://` URL, or the seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES).
 * Only this module looks inside it.
 */
export type RedisTarget = string | { clusterNodes: { host: string; port: number }[] }

export type RedisRole = 'command' | 'subscriber' | 'queue-producer' | 'queue-worker'

function roleOptions(role: RedisRole): RedisOptions {
  return {
    connectionName: `license-hub:${role}`,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    ...(role === 'queue-worker' || role === 'subscriber'
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: role !== 'queue-producer' }),
    // A request must not hang on a Redis that stopped answering: it gets a 503 within seconds.
    ...(role === 'command' ? { commandTimeout: 2000 } : {}),
  }
}

/**
 * The one place a Redis client is built: one ioredis client per role, a single Redis or the
 * cluster client by the target. Commands fail fast while Redis is away (the API answers 503
 * rather than queueing requests forever); BullMQ workers need maxRetriesPerRequest: null.
 */
export function createRedis(target: RedisTarget, role: RedisRole = 'command', extra: RedisOptions = {}): RedisClient {
  const options = { ...roleOptions(role), ...extra }
  if (typeof target === 'string') return new Redis(target, options)
  return new Cluster(target.clusterNodes, { ...clusterOptions(options), shardedSubscribers: role === 'subscriber' })
}

/** The cluster client's options for a role: per-node options, and retries across a failover. */
function clusterOptions(options: RedisOptions): ClusterOptions {
  const { retryStrategy: _, maxRetriesPerRequest, enableOfflineQueue, ...redisOptions } = options
  return {
    redisOptions: { ...redisOptions, maxRetriesPerRequest },
    enableOfflineQueue: enableOfflineQueue ?? true,
    // A failover moves slots: keep retrying a command while the replica takes over.
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2000,
    ...(maxRetriesPerRequest === null ? {} : { maxRedirections: 16 }),
  }
}

/** A client like `from` for another role, on the same Redis or cluster. */
export function duplicateRedis(from: RedisClient, role: RedisRole): RedisClient {
  if (from instanceof Cluster) return from.duplicate(undefined, { ...clusterOptions(roleOptions(role)), shardedSubscribers: role === 'subscriber' })
  // Not the source's commandTimeout: blocking queue commands must wait.
  return from.duplicate({ ...roleOptions(role), commandTimeout: role === 'command' ? 2000 : undefined })
}

/** A round trip to Redis (readiness checks). */
export async function pingRedis(redis: RedisClient): Promise<void> {
  await redis.ping()
}

/** Closes a connection politely (QUIT), dropping it if Redis does not answer. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  await redis.quit().catch(() => redis.disconnect()) // already closed or unreachable: dropping the socket is all that is left
}

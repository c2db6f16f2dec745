import type { RedisKeys } from './keys.js'

/**
 * Live events reach every api node. On a single Redis they go on one channel (PUBLISH/SUBSCRIBE).
 * On a Redis Cluster a classic PUBLISH is copied to every shard, so they go by sharded pub/sub
 * (SPUBLISH/SSUBSCRIBE, Redis >= 7) on one of EVENT_SHARD_CHANNELS channels, each in a slot of its
 * own: an event travels only within the shard that holds its tenant's channel, and the channels
 * (hence the traffic) spread over the masters. Every api node subscribes to all of them.
 */
export const EVENT_SHARD_CHANNELS = 16

/** The shard channel a tenant's events go on, on a Redis Cluster. */
export function eventShardChannel(keys: RedisKeys, tenantId: string): string {
  let hash = 0
  for (let i = 0; i < tenantId.length; i++) hash = (hash * 31 + tenantId.charCodeAt(i)) >>> 0
  return keys.eventsShardChannel(hash % EVENT_SHARD_CHANNELS)
}

/** Every shard channel, in bucket order. */
export function eventShardChannels(keys: RedisKeys): string[] {
  return Array.from({ length: EVENT_SHARD_CHANNELS }, (_, bucket) => keys.eventsShardChannel(bucket))
}

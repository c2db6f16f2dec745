import { Cluster } from 'ioredis'
import type { PublishedEvent } from '@license-hub/contract'
import { createRedis, type RedisTarget } from './connection.js'
import { eventShardChannel } from './event-channels.js'
import { decodeEvent } from './event-stream.js'
import type { RedisKeys } from './keys.js'

export interface ChannelSubscription {
  close: () => Promise<void>
}

/**
 * A connection of its own following one tenant's live events (resolved once subscribed), for a
 * tool: on a Redis Cluster only the tenant's shard channel, on a single Redis the one channel.
 */
export async function followTenantEvents(
  target: RedisTarget, keys: RedisKeys, tenantId: string, onEvent: (event: PublishedEvent) => void, onError: (err: Error) => void
): Promise<ChannelSubscription> {
  const redis = createRedis(target, 'subscriber')
  redis.on('error', onError)
  const received = (_channel: string, payload: string) => {
    const event = decodeEvent(payload)
    if (event?.tenantId === tenantId) onEvent(event)
  }
  if (redis instanceof Cluster) {
    redis.on('smessage', received)
    await redis.ssubscribe(eventShardChannel(keys, tenantId))
  } else {
    redis.on('message', received)
    await redis.subscribe(keys.eventsChannel())
  }
  return {
    close: async () => {
      // A failed or slow QUIT is harmless: the socket is dropped right after.
      await Promise.race([redis.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())])
      redis.disconnect()
    },
  }
}

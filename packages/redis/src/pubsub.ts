import { createRedis } from './connection.js'

export interface ChannelSubscription {
  close: () => Promise<void>
}

/** A connection of its own subscribed to `channel` (resolved once subscribed), for a tool following live events. */
export async function subscribeChannel(
  redisUrl: string, channel: string, onMessage: (payload: string) => void, onError: (err: Error) => void,
): Promise<ChannelSubscription> {
  const redis = createRedis(redisUrl, 'subscriber')
  redis.on('error', onError)
  redis.on('message', (_channel: string, payload: string) => onMessage(payload))
  await redis.subscribe(channel)
  return {
    close: async () => {
      await Promise.race([redis.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())])
      redis.disconnect()
    },
  }
}

import { Cluster } from 'ioredis'
import type { PublishedEvent } from '@license-hub/contract'
import { createRedis, type RedisTarget } from './connection.js'
import { eventShardChannels } from './event-channels.js'
import { decodeEvent } from './event-stream.js'
import type { RedisKeys } from './keys.js'

/** The part of a pino logger the subscriber writes to. */
interface SubscriberLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface EventSubscriber {
  /** Resolves once the first subscription is in place (or after `timeoutMs`, Redis being away). */
  ready: (timeoutMs: number) => Promise<void>
  close: () => Promise<void>
}

/**
 * The node's subscription to every tenant's events (see event-channels.ts for the channels).
 * Pub/sub is at-most-once: whatever was published while a subscription was down is lost to it, so
 * each time the subscriptions come back (a reconnect, a cluster failover moving a shard)
 * `onSubscribed` runs, and the node tells its clients to resync.
 */
export function subscribeToEvents(target: RedisTarget, keys: RedisKeys, log: SubscriberLog, handlers: {
  onEvent: (event: PublishedEvent) => void
  onSubscribed: () => void
}): EventSubscriber {
  // On a single Redis we resubscribe ourselves, to know when the subscription is back rather than merely the socket.
  const redis = createRedis(target, 'subscriber', { autoResubscribe: false })
  let closing = false
  let subscribed: () => void = () => {}
  const first = new Promise<void>((resolve) => { subscribed = resolve })
  let lostAt: number | undefined
  const restored = () => {
    if (lostAt !== undefined) log.info({ downMs: Date.now() - lostAt }, 'event subscription restored')
    lostAt = undefined
    subscribed()
    handlers.onSubscribed()
  }
  const lost = (why: string) => {
    if (closing || lostAt !== undefined) return
    lostAt = Date.now()
    log.warn({}, `event subscription lost: ${why}`)
  }
  const failed = (err: Error) => log.warn({ err }, 'event subscription failed')
  const received = (_channel: string, message: string) => {
    const event = decodeEvent(message)
    if (!event) return log.warn({}, 'ignored a malformed event message')
    handlers.onEvent(event)
  }

  let unsubscribe: () => Promise<unknown>
  if (redis instanceof Cluster) {
    // ioredis keeps one subscriber connection per master holding a subscribed slot and moves the
    // subscriptions when the topology changes (a failover); `subscribersReady` follows each move.
    const channels = eventShardChannels(keys)
    redis.on('ready', () => {
      // One SSUBSCRIBE per channel: each lives in a slot of its own.
      Promise.all(channels.map((channel) => redis.ssubscribe(channel))).then(() => subscribed(), failed)
    })
    redis.on('-subscriber', () => lost('a shard\'s subscriber connection closed'))
    redis.on('subscribersReady', restored)
    redis.on('smessage', received)
    unsubscribe = () => Promise.all(channels.map((channel) => redis.sunsubscribe(channel)))
  } else {
    const channel = keys.eventsChannel()
    redis.on('ready', () => { redis.subscribe(channel).then(restored, failed) })
    redis.on('close', () => lost('Redis connection closed'))
    redis.on('message', received)
    unsubscribe = () => redis.unsubscribe(channel)
  }
  redis.on('error', (err: Error) => { if (lostAt === undefined) log.warn({ err }, 'event subscriber error') })

  return {
    ready: (timeoutMs) => Promise.race([first, new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]),
    close: async () => {
      closing = true
      // Commands on a subscriber wait for Redis forever: bound them, then drop the sockets.
      if (redis.status === 'ready') await bounded(unsubscribe(), 1000)
      await bounded(redis.quit(), 1000)
      redis.disconnect()
    },
  }
}

// Used on close only: a failed UNSUBSCRIBE or QUIT is harmless, the socket is dropped right after.
function bounded(work: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([work.catch(() => {}), new Promise((resolve) => setTimeout(resolve, ms).unref())])
}

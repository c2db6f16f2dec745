import type { PublishedEvent } from '@license-hub/contract'
import { createRedis } from './connection.js'
import { decodeEvent } from './event-stream.js'

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
 * The node's one subscriber connection. Pub/sub is at-most-once: whatever was published while the
 * connection was down is lost to it, so each (re)subscription calls `onSubscribed`, which tells the
 * node's clients to resync.
 */
export function subscribeToEvents(redisUrl: string, channel: string, log: SubscriberLog, handlers: {
  onEvent: (event: PublishedEvent) => void
  onSubscribed: () => void
}): EventSubscriber {
  // We resubscribe ourselves, to know when the subscription is back rather than merely the socket.
  const redis = createRedis(redisUrl, 'subscriber', { autoResubscribe: false })
  let closing = false
  let subscribed: () => void = () => {}
  const first = new Promise<void>((resolve) => { subscribed = resolve })
  let lostAt: number | undefined

  redis.on('ready', () => {
    redis.subscribe(channel).then(() => {
      if (lostAt !== undefined) log.info({ downMs: Date.now() - lostAt }, 'event subscription restored')
      lostAt = undefined
      subscribed()
      handlers.onSubscribed()
    }, (err: Error) => log.warn({ err }, 'event subscription failed'))
  })
  redis.on('close', () => {
    if (closing || lostAt !== undefined) return
    lostAt = Date.now()
    log.warn({}, 'event subscription lost: Redis connection closed')
  })
  redis.on('error', (err: Error) => { if (lostAt === undefined) log.warn({ err }, 'event subscriber error') })
  redis.on('message', (_channel: string, message: string) => {
    const event = decodeEvent(message)
    if (!event) return log.warn({}, 'ignored a malformed event message')
    handlers.onEvent(event)
  })

  return {
    ready: (timeoutMs) => Promise.race([first, new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]),
    close: async () => {
      closing = true
      // Commands on a subscriber wait for Redis forever: bound them, then drop the socket.
      if (redis.status === 'ready') await bounded(redis.unsubscribe(channel), 1000)
      await bounded(redis.quit(), 1000)
      redis.disconnect()
    },
  }
}

// Used on close only: a failed UNSUBSCRIBE or QUIT is harmless, the socket is dropped right after.
function bounded(work: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([work.catch(() => {}), new Promise((resolve) => setTimeout(resolve, ms).unref())])
}

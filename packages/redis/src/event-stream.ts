import { Cluster } from 'ioredis'
import type { RedisClient } from './connection.js'
import { eventShardChannel } from './event-channels.js'
import type { PublishedEvent } from '@license-hub/contract'
import type { RedisKeys } from './keys.js'

/** How many recent events a tenant's stream keeps for fast replay; older ones come from Postgres. */
export const EVENT_STREAM_LENGTH = 1000

// An entry of a tenant's stream: field `id` (the event's durable id) and field `event` (the
// PublishedEvent as JSON, the same payload pub/sub carries). Only this module writes or reads it.
const ID_FIELD = 'id'
const EVENT_FIELD = 'event'
const PAGE = 100

/** The pub/sub and stream payload of an event. */
export const encodeEvent = (event: PublishedEvent): string => JSON.stringify(event)

/** An event from its payload; undefined for anything that is not one (never throws). */
export function decodeEvent(payload: string): PublishedEvent | undefined {
  try {
    const event = JSON.parse(payload) as Partial<PublishedEvent> | null
    return event && typeof event.id === 'string' && typeof event.tenantId === 'string' ? event as PublishedEvent : undefined
  } catch {
    return undefined
  }
}

/**
 * Appends the event to its tenant's bounded stream and publishes it to every api node: atomically on
 * a single Redis; on a Redis Cluster by sharded pub/sub (see events-bus.ts), the stream and the
 * shard channel being in different slots, as two independent commands, so a failover of one shard
 * does not keep the event from the other.
 */
export async function appendEvent(redis: RedisClient, keys: RedisKeys, event: PublishedEvent): Promise<void> {
  const payload = encodeEvent(event)
  const append = [keys.eventStream(event.tenantId), 'MAXLEN', '~', EVENT_STREAM_LENGTH, '*', ID_FIELD, event.id, EVENT_FIELD, payload] as const
  if (redis instanceof Cluster) {
    const outcomes = await Promise.allSettled([redis.xadd(...append), redis.spublish(eventShardChannel(keys, event.tenantId), payload)])
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason
    return
  }
  const results = await redis.multi()
    .xadd(...append)
    .publish(keys.eventsChannel(), payload)
    .exec()
  const failed = results?.find(([err]) => err)?.[0]
  if (failed) throw failed
}

function entryEvent(fields: string[]): PublishedEvent | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === EVENT_FIELD) return decodeEvent(fields[i + 1]!)
  return undefined
}

/**
 * The events of a tenant's stream after the one with id `lastEventId`, oldest first: read
 * backwards down to that entry. Stream order is publish order, which is also the order a client
 * received them live in, so what follows that entry is exactly what it missed, even where
 * concurrent publishers made ids and stream order differ slightly. `overflow` when more than
 * `limit` follow it; undefined when the stream no longer reaches back that far (trimmed, or
 * Redis restarted).
 */
export async function readEventsAfter(
  redis: RedisClient, keys: RedisKeys, tenantId: string, lastEventId: string, limit: number
): Promise<PublishedEvent[] | 'overflow' | undefined> {
  const key = keys.eventStream(tenantId)
  const newestFirst: PublishedEvent[] = []
  let end = '+'
  for (;;) {
    const page = await redis.xrevrange(key, end, '-', 'COUNT', PAGE)
    for (const [, fields] of page) {
      const event = entryEvent(fields)
      if (!event) continue
      if (event.id === lastEventId) {
        const seen = new Set<string>()
        return newestFirst.reverse().filter((e) => !seen.has(e.id) && seen.add(e.id))
      }
      newestFirst.push(event)
      if (newestFirst.length > limit) return 'overflow'
    }
    if (page.length < PAGE) return undefined
    end = `(${page[page.length - 1]![0]}`
  }
}

import type { LicenseEvent, PublishedEvent } from '@license-hub/contract'
import { eventExists, insertEvent, listTenantEvents, type StoredEvent } from '@license-hub/db'
import { appendEvent, readEventsAfter } from '@license-hub/redis'
import type { LicensingContext } from './context.js'

/** A stored event as it went out: the row's data minus the addressee, which travels beside it. */
export function publishedFromRow(row: StoredEvent): PublishedEvent {
  const { userId, ...data } = row.data as PublishedEvent['data'] & { userId?: string }
  const event = {
    id: String(row.id), type: row.type, tenantId: row.tenantId, timestamp: row.createdAt.toISOString(), data, ...(userId ? { userId } : {}),
  }
  return event as PublishedEvent
}

/**
 * Stores the event (its row id is the durable id), appends it to the tenant's bounded stream and
 * publishes it to every api node. Postgres is the record: a Redis fault loses neither the event
 * nor the call, since clients replay from Postgres.
 */
export async function publishEvent(ctx: LicensingContext, tenantId: string, event: LicenseEvent, userId?: string): Promise<PublishedEvent> {
  const row = await insertEvent(ctx.db, { tenantId, type: event.type, data: userId ? { ...event.data, userId } : event.data })
  const published = publishedFromRow(row)
  try {
    await appendEvent(ctx.redis, ctx.keys, published)
  } catch (err) {
    ctx.log.warn({ err, tenantId, eventId: published.id, type: event.type }, 'event stored but not broadcast: Redis unavailable')
  }
  ctx.log.info({ tenantId, eventId: published.id, type: event.type, userId }, 'event published')
  return published
}

/** Events of a tenant after `afterId`, oldest first, from Postgres (the record). */
export async function eventsAfter(ctx: Pick<LicensingContext, 'db'>, tenantId: string, afterId: string, limit = 1000): Promise<PublishedEvent[]> {
  return (await listTenantEvents(ctx.db, tenantId, { after: afterId, limit })).map(publishedFromRow)
}

export type Replay = { kind: 'events'; events: PublishedEvent[] } | { kind: 'resync' }

const RESYNC: Replay = { kind: 'resync' }
const EVENT_ID = /^\d{1,18}$/

/**
 * The events of a tenant a client missed after `lastEventId`, from the tenant's stream when it
 * still holds that event, else from Postgres. More than `limit` missed, or an id we cannot place
 * (unknown, pruned, from another database), is a resync: reloading the license beats replaying.
 */
export async function missedEvents(
  ctx: Pick<LicensingContext, 'db' | 'redis' | 'keys' | 'log'>, tenantId: string, lastEventId: string, limit: number
): Promise<Replay> {
  if (!EVENT_ID.test(lastEventId)) return RESYNC
  const fromStream = await readEventsAfter(ctx.redis, ctx.keys, tenantId, lastEventId, limit).catch((err: unknown) => {
    ctx.log.warn({ err, tenantId }, 'event stream unreadable: replaying from Postgres')
    return undefined
  })
  if (fromStream === 'overflow') return RESYNC
  if (fromStream) return { kind: 'events', events: fromStream }
  if (BigInt(lastEventId) > 0n && !(await eventExists(ctx.db, tenantId, lastEventId))) return RESYNC
  const events = await eventsAfter(ctx, tenantId, lastEventId, limit + 1)
  return events.length > limit ? RESYNC : { kind: 'events', events }
}

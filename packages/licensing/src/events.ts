import type { LicenseEvent, PublishedEvent } from '@license-hub/contract'
import { listTenantEvents, type StoredEvent } from '@license-hub/db'
import type { LicensingContext } from './context.js'

/** How many recent events a tenant's Redis stream keeps for fast replay; older ones come from Postgres. */
export const EVENT_STREAM_LENGTH = 1000

/**
 * Stores the event (its row id is the durable id), appends it to the tenant's bounded stream and
 * publishes it to every api node. Postgres is the record: a Redis fault loses neither the event
 * nor the call, since clients replay from Postgres.
 */
export async function publishEvent(ctx: LicensingContext, tenantId: string, event: LicenseEvent, userId?: string): Promise<PublishedEvent> {
  const row = await ctx.db.insertInto('events')
    .values({ tenantId, type: event.type, data: JSON.stringify(userId ? { ...event.data, userId } : event.data) })
    .returning(['id', 'createdAt']).executeTakeFirstOrThrow()
  const published = {
    id: String(row.id), type: event.type, tenantId, timestamp: row.createdAt.toISOString(), data: event.data,
    ...(userId ? { userId } : {}),
  } as PublishedEvent
  const payload = JSON.stringify(published)
  try {
    await ctx.redis.multi()
      .xadd(ctx.keys.eventStream(tenantId), 'MAXLEN', '~', EVENT_STREAM_LENGTH, '*', 'id', published.id, 'event', payload)
      .publish(ctx.keys.eventsChannel(), payload)
      .exec()
  } catch (err) {
    ctx.log.warn({ err, tenantId, eventId: published.id, type: event.type }, 'event stored but not broadcast: Redis unavailable')
  }
  ctx.log.info({ tenantId, eventId: published.id, type: event.type, userId }, 'event published')
  return published
}

/** A stored event as it went out: the row's data minus the addressee, which travels beside it. */
export function publishedFromRow(row: StoredEvent): PublishedEvent {
  const { userId, ...data } = row.data as PublishedEvent['data'] & { userId?: string }
  const event = { id: String(row.id), type: row.type, tenantId: row.tenantId, timestamp: row.createdAt.toISOString(), data, ...(userId ? { userId } : {}) }
  return event as PublishedEvent
}

/** Events of a tenant after `afterId`, oldest first, from Postgres (the record). */
export async function eventsAfter(ctx: Pick<LicensingContext, 'db'>, tenantId: string, afterId: string, limit = 1000): Promise<PublishedEvent[]> {
  return (await listTenantEvents(ctx.db, tenantId, { after: afterId, limit })).map(publishedFromRow)
}

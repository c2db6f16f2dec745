import type { LicenseEvent, PublishedEvent } from '@license-hub/contract'
import { eventExists, insertEvents, listTenantEvents, type StoredEvent } from '@license-hub/db'
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

/** An event to publish and, for one addressed to a user (session_ended), that user. */
export interface Publication {
  event: LicenseEvent
  userId?: string
}

/**
 * Stores the event (its row id is the durable id), appends it to the tenant's bounded stream and
 * publishes it to every api node. Postgres is the record: a Redis fault loses neither the event
 * nor the call, since clients replay from Postgres.
 */
export async function publishEvent(ctx: LicensingContext, tenantId: string, event: LicenseEvent, userId?: string): Promise<PublishedEvent> {
  const [published] = await publishEvents(ctx, tenantId, [{ event, userId }])
  return published!
}

/**
 * Publishes several events of one tenant, in their order, as publishEvent does each: stored in one
 * statement (one commit, where a sync that changed 50 tenants' licenses made about 250), then
 * appended and published one after the other, so the stream and every client see that order.
 */
export async function publishEvents(ctx: LicensingContext, tenantId: string, publications: Publication[]): Promise<PublishedEvent[]> {
  const rows = await insertEvents(ctx.db, publications.map(({ event, userId }) => ({
    tenantId, type: event.type, data: userId ? { ...event.data, userId } : event.data,
  })))
  const published = rows.map(publishedFromRow)
  for (const sent of published) {
    try {
      await appendEvent(ctx.redis, ctx.keys, sent)
    } catch (err) {
      ctx.log.warn({ err, tenantId, eventId: sent.id, type: sent.type }, 'event stored but not broadcast: Redis unavailable')
    }
    ctx.log.info({ tenantId, eventId: sent.id, type: sent.type, userId: sent.userId }, 'event published')
  }
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

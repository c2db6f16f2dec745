import { sql } from 'kysely'
import type { Db } from '../connection.js'
import type { StoredEvent } from '../schema.js'

export interface EventPageQuery {
  /** Exclusive: events with a greater id (all kept ones when absent). */
  after?: string
  limit: number
  type?: string
}

/** A tenant's stored events after `after`, oldest first, at most `limit`, of one type when given. */
export async function listTenantEvents(db: Db, tenantId: string, query: EventPageQuery): Promise<StoredEvent[]> {
  let select = db.selectFrom('events').selectAll().where('tenantId', '=', tenantId)
  if (query.after !== undefined) select = select.where('id', '>', query.after)
  if (query.type !== undefined) select = select.where('type', '=', query.type)
  return select.orderBy('id').limit(query.limit).execute()
}

/**
 * Deletes at most `batch` events created before `cutoff`, oldest first, and says how many went.
 * Small batches keep each statement's row locks short, so publishers are never held up for long;
 * the created_at index finds each batch without walking the events that are kept.
 */
export async function deleteEventsBefore(db: Db, cutoff: Date, batch: number): Promise<number> {
  const result = await db.deleteFrom('events')
    .where('id', 'in', (qb) => qb.selectFrom('events').select('id').where('createdAt', '<', cutoff).orderBy('createdAt').limit(batch))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

export interface NewEvent {
  tenantId: string
  type: string
  /** The event's data as stored (the addressee of a session_ended travels in it as `userId`). */
  data: Record<string, unknown>
}

/**
 * Stores events in one statement (one commit outside a transaction); each row's id is its event's
 * durable, increasing id. Postgres draws the ids of a multi-row insert in the order of its rows, so
 * the rows, answered in id order, are in the order given.
 */
export async function insertEvents(db: Db, events: NewEvent[]): Promise<StoredEvent[]> {
  if (events.length === 0) return []
  const rows = await db.insertInto('events')
    .values(events.map((e) => ({ tenantId: e.tenantId, type: e.type, data: JSON.stringify(e.data) })))
    .returningAll().execute()
  return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
}

export async function eventExists(db: Db, tenantId: string, id: string): Promise<boolean> {
  const row = await db.selectFrom('events').select('id').where('tenantId', '=', tenantId).where('id', '=', id).executeTakeFirst()
  return row !== undefined
}

/**
 * Whether the tenant was already sent an event of this type naming this license (`data.licenseId`),
 * ever or on the current UTC day.
 */
/** Once per license, per license and UTC day, or per license and expiry date (the date it had when told). */
export type LicenseEventScope = 'ever' | 'day' | { licenseExpiresAt: string | null }

export async function licenseEventSent(
  db: Db, tenantId: string, type: string, licenseId: string, scope: LicenseEventScope
): Promise<boolean> {
  let seen = db.selectFrom('events').select('id').where('tenantId', '=', tenantId).where('type', '=', type)
    .where(sql<string>`data->>'licenseId'`, '=', licenseId)
  if (scope === 'day') seen = seen.where(sql<string>`(created_at at time zone 'UTC')::date`, '=', sql<string>`(now() at time zone 'UTC')::date`)
  if (typeof scope === 'object') seen = seen.where(sql<boolean>`data->'licenseExpiresAt' = ${JSON.stringify(scope.licenseExpiresAt)}::jsonb`)
  return (await seen.executeTakeFirst()) !== undefined
}

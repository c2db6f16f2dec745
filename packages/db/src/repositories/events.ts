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
 * Small batches keep each statement's row locks short, so publishers are never held up for long.
 */
export async function deleteEventsBefore(db: Db, cutoff: Date, batch: number): Promise<number> {
  const result = await db.deleteFrom('events')
    .where('id', 'in', (qb) => qb.selectFrom('events').select('id').where('createdAt', '<', cutoff).orderBy('id').limit(batch))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

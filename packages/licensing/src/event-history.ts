import { EVENT_PAGE_DEFAULT, type EventHistoryPage, type LicenseEventMessage } from '@license-hub/contract'
import { deleteEventsBefore, listTenantEvents } from '@license-hub/db'
import type { LicensingContext } from './context.js'
import { publishedFromRow } from './events.js'

export interface EventHistoryQuery {
  after?: string
  limit?: number
  type?: string
}

/** GET /api/events and `cli events`: a tenant's kept events after `after` (exclusive), oldest first. */
export async function eventHistory(ctx: Pick<LicensingContext, 'db'>, tenantId: string, query: EventHistoryQuery = {}): Promise<EventHistoryPage> {
  const limit = query.limit ?? EVENT_PAGE_DEFAULT
  // One more than asked says whether anything follows the page.
  const rows = await listTenantEvents(ctx.db, tenantId, { after: query.after, type: query.type, limit: limit + 1 })
  // The addressee of a session_ended is not part of the message.
  const page = rows.slice(0, limit).map((row) => {
    const { id, type, tenantId: tenant, timestamp, data } = publishedFromRow(row)
    return { id, type, tenantId: tenant, timestamp, data } as LicenseEventMessage
  })
  return { events: page, next: rows.length > limit ? page[page.length - 1]!.id : null }
}

/** Rows per delete: each statement holds its row locks only briefly, so publishers never wait long. */
const RETENTION_BATCH = 1000

/** The worker's daily retention: deletes every event older than EVENT_RETENTION_DAYS, in small batches. */
export async function pruneEvents(ctx: Pick<LicensingContext, 'db' | 'config' | 'log' | 'now'>, batch = RETENTION_BATCH): Promise<{ deleted: number }> {
  const cutoff = new Date(ctx.now().getTime() - ctx.config.eventRetentionDays * 86_400_000)
  let deleted = 0
  for (;;) {
    const removed = await deleteEventsBefore(ctx.db, cutoff, batch)
    deleted += removed
    if (removed < batch) break
  }
  ctx.log.info({ deleted, cutoff: cutoff.toISOString(), retentionDays: ctx.config.eventRetentionDays, code: 'EVENT_RETENTION_OK' }, 'old events deleted')
  return { deleted }
}

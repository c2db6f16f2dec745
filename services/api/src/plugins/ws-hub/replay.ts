import type { PublishedEvent } from '@license-hub/contract'
import { eventsAfter, type LicensingContext } from '@license-hub/licensing'

export type Replay = { kind: 'events'; events: PublishedEvent[] } | { kind: 'resync' }

const RESYNC: Replay = { kind: 'resync' }
const PAGE = 100
const EVENT_ID = /^\d{1,18}$/

/**
 * The events of a tenant a client missed after `lastEventId`, from the tenant's stream when it
 * still holds that event, else from Postgres. More than `limit` missed, or an id we cannot place
 * (unknown, pruned, from another database), is a resync: reloading the license beats replaying.
 */
export async function missedEvents(ctx: Pick<LicensingContext, 'db' | 'redis' | 'keys'>, tenantId: string, lastEventId: string, limit: number): Promise<Replay> {
  if (!EVENT_ID.test(lastEventId)) return RESYNC
  const fromStream = await readStream(ctx, tenantId, lastEventId, limit).catch(() => undefined)
  if (fromStream) return fromStream
  if (BigInt(lastEventId) > 0n && !(await eventExists(ctx, tenantId, lastEventId))) return RESYNC
  const events = await eventsAfter(ctx, tenantId, lastEventId, limit + 1)
  return events.length > limit ? RESYNC : { kind: 'events', events }
}

/**
 * Reads the stream backwards down to the client's last event. Stream order is publish order,
 * which is also the order the client received them live in, so what follows that entry is exactly
 * what it missed, even where concurrent publishers made ids and stream order differ slightly.
 * Undefined when the stream no longer reaches back that far (trimmed, or Redis restarted).
 */
async function readStream(ctx: Pick<LicensingContext, 'redis' | 'keys'>, tenantId: string, lastEventId: string, limit: number): Promise<Replay | undefined> {
  const key = ctx.keys.eventStream(tenantId)
  const newestFirst: PublishedEvent[] = []
  let end = '+'
  for (;;) {
    const page = await ctx.redis.xrevrange(key, end, '-', 'COUNT', PAGE)
    for (const [, fields] of page) {
      const event = parseEntry(fields)
      if (!event) continue
      if (event.id === lastEventId) return { kind: 'events', events: dedupe(newestFirst.reverse()) }
      newestFirst.push(event)
      if (newestFirst.length > limit) return RESYNC
    }
    if (page.length < PAGE) return undefined
    end = `(${page[page.length - 1]![0]}`
  }
}

function parseEntry(fields: string[]): PublishedEvent | undefined {
  const at = fields.indexOf('event')
  if (at < 0 || at + 1 >= fields.length) return undefined
  try {
    return JSON.parse(fields[at + 1]!) as PublishedEvent
  } catch {
    return undefined
  }
}

function dedupe(events: PublishedEvent[]): PublishedEvent[] {
  const seen = new Set<string>()
  return events.filter((event) => !seen.has(event.id) && seen.add(event.id))
}

async function eventExists(ctx: Pick<LicensingContext, 'db'>, tenantId: string, id: string): Promise<boolean> {
  const row = await ctx.db.selectFrom('events').select('id').where('tenantId', '=', tenantId).where('id', '=', id).executeTakeFirst()
  return row !== undefined
}

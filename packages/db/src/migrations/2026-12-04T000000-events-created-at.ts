import { type Kysely } from 'kysely'

/**
 * The daily retention deletes events older than EVENT_RETENTION_DAYS in small batches: with an index
 * on created_at each batch finds its rows directly, instead of walking the id index past every
 * event still kept (the last batch of every run walked the whole table).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('events_created_at').on('events').column('created_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_created_at').execute()
}

import { Migrator, sql, type Kysely } from 'kysely'
import type { Db } from './connection.js'
import type { Database } from './schema.js'
import { migrationProvider } from './migrations/index.js'

// Any fixed 64-bit number; every node that migrates takes the same session lock.
const MIGRATION_LOCK_KEY = 7_240_119_331n

/**
 * Runs `work` on one connection while holding the migration lock, e.g. to migrate or to seed the
 * default tenant once: nodes starting together queue on it.
 */
export async function withMigrationLock<T>(db: Db, work: (conn: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn)
    try {
      return await work(conn)
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn)
    }
  })
}

/** Brings the schema up to date; only the first of several nodes starting together finds work to do. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  return withMigrationLock(db, async (conn) => {
    const { error, results } = await new Migrator({ db: conn, provider: migrationProvider }).migrateToLatest()
    if (error) throw error instanceof Error ? error : new Error(String(error))
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
  })
}

/**
 * Serialises transactions that take the same named lock, across every node; released at commit
 * or rollback. Call first thing inside a transaction.
 */
export async function lockForTransaction(trx: Db, name: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(trx)
}

/** Migrations not applied yet, read without creating anything (a reading tool must not migrate). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const migrations = await new Migrator({ db, provider: migrationProvider }).getMigrations()
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name)
}

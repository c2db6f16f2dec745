import { Migrator, sql } from 'kysely'
import type { Db } from './connection.js'
import { migrationProvider } from './migrations/index.js'

// Any fixed 64-bit number; every node that migrates takes the same session lock.
const MIGRATION_LOCK_KEY = 7_240_119_331n

/**
 * Brings the schema up to date. Nodes starting together queue on a Postgres advisory lock,
 * so only one runs the migrations and the others find nothing left to do.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn)
    try {
      const { error, results } = await new Migrator({ db: conn, provider: migrationProvider }).migrateToLatest()
      if (error) throw error instanceof Error ? error : new Error(String(error))
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn)
    }
  })
}

/** Runs `work` while holding the same lock, e.g. to seed the default tenant once. */
export async function withMigrationLock<T>(db: Db, work: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn)
    try {
      return await work()
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn)
    }
  })
}

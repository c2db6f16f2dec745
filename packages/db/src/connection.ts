import pg from 'pg'
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely'
import type { Database } from './schema.js'
import { preparingPool } from './prepared.js'

// int8 (bigserial event ids, counts) arrives as a string; event ids stay strings, counts are cast in SQL.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => v)

export type Db = Kysely<Database>

export interface DbOptions {
  max?: number
  /** A query without an answer by then fails (the api's requests must not hang on a stuck Postgres). */
  queryTimeoutMs?: number
}

export function createDb(connectionString: string, options: DbOptions = {}): Db {
  // A Postgres that is away fails a new connection within 3 s, instead of the pool waiting forever.
  const pool = new pg.Pool({
    connectionString, max: options.max ?? 10, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 3_000,
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
  })
  // An idle client losing its server must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  // So does a checked-out client losing it between two queries (Postgres restarted mid-transaction):
  // without a listener that 'error' would crash the process; the next query fails instead (a 503).
  pool.on('connect', (client) => { client.on('error', () => {}) })
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: preparingPool(pool) }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  })
}

/** A round trip to Postgres (readiness checks). */
export async function pingDb(db: Db): Promise<void> {
  await sql`select 1`.execute(db)
}

import type pg from 'pg'
import type { Compilable, CompiledQuery, PostgresPool, PostgresPoolClient, QueryResult } from 'kysely'
import type { Db } from './connection.js'

/**
 * Named prepared statements for the statements a request runs. Postgres parses and plans an
 * unnamed statement at every call; a named one is parsed once per connection and, after a few
 * runs, executed on its cached plan. For the seat insert (an insert … select that share-locks the
 * user) planning cost about as much as running: in pgbench, 50 clients inserting seats went from
 * about 2,900 to 4,800-5,400 statements a second on a 2-core machine. In the api, Postgres' CPU
 * for a create or end fell from about 500 to 340-370 µs.
 *
 * A statement is marked by running it through `runPrepared`; its text is its identity, so only
 * statements whose text does not vary with their values belong here (a list of ids goes in as
 * one array parameter, `= any($1)`, not as `in ($1, $2, …)`). Each text gets one name, the same
 * on every connection; the set is bounded by the call sites that use it. A marked statement names
 * its columns (USER_COLUMNS, SESSION_COLUMNS) rather than `*`: Postgres re-plans a prepared
 * statement after a migration, but refuses one whose `*` would now return another row shape.
 * Behind PgBouncer in transaction mode, named statements need its `max_prepared_statements`.
 */
const names = new Map<string, string>()

/** Runs `query` as a named prepared statement (see above). */
export async function runPrepared<R>(db: Db, query: Compilable<R> | CompiledQuery<R>): Promise<QueryResult<R>> {
  const compiled = 'compile' in query ? query.compile() : query
  if (!names.has(compiled.sql)) names.set(compiled.sql, `license_hub_${names.size + 1}`)
  return db.executeQuery(compiled)
}

/**
 * The pool as Kysely sees it: each client sends a statement `runPrepared` marked by its name
 * (pg parses it on a connection the first time it goes out there), every other one as before.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const adapted = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  const adapt = (client: pg.PoolClient): PostgresPoolClient => {
    const query = (text: string, values: readonly unknown[]) => {
      const name = names.get(text)
      return name ? client.query({ name, text, values: [...values] }) : client.query(text, [...values])
    }
    // pg-pool gives a client a new `release` at each checkout: look it up when called. The
    // cursor form of `query` is never asked for: the dialect is given no cursor.
    return { query: query as unknown as PostgresPoolClient['query'], release: (destroy?: boolean) => client.release(destroy) }
  }
  return {
    connect: async () => {
      const client = await pool.connect()
      let wrapper = adapted.get(client)
      if (!wrapper) adapted.set(client, wrapper = adapt(client))
      return wrapper
    },
    end: () => pool.end(),
  }
}

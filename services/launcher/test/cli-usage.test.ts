import t from 'tap'
import { createDb, pendingMigrations } from '@license-hub/db'
import { buildTestApp } from '../../../test/helpers/app.js'
import { cli, CLI_FILE_TIMEOUT_MS } from './helpers/cli.js'
import { createTestDatabase } from '@license-hub/test-support'

t.setTimeout(CLI_FILE_TIMEOUT_MS)

t.test('--help at every level; usage errors exit 2, failures exit 1', async (t) => {
  const testApp = await buildTestApp(t)
  const top = await cli(testApp.databaseUrl, ['--help'])
  t.equal(top.code, 0)
  for (const noun of ['fingerprint', 'tenant', 'user', 'license', 'allocation', 'session', 'sync', 'stats', 'events', 'token']) t.match(top.stdout, noun, `lists ${noun}`)
  const user = await cli(testApp.databaseUrl, ['user', '--help'])
  t.equal(user.code, 0)
  for (const verb of ['create', 'list', 'webrtc', 'password']) t.match(user.stdout, verb)
  const create = await cli(testApp.databaseUrl, ['user', 'create', '--help'])
  t.equal(create.code, 0)
  t.match(create.stdout, /--email/)
  t.match(create.stdout, /--json/)

  t.equal((await cli(testApp.databaseUrl, ['nonsense'])).code, 2, 'an unknown command')
  t.equal((await cli(testApp.databaseUrl, ['user', 'list'])).code, 2, 'a missing required option')
  t.equal((await cli(testApp.databaseUrl, ['allocation', 'set', '--tenant', 'x', '--license', 'y', '--max', 'many'])).code, 2, 'a bad number')
  const missing = await cli(testApp.databaseUrl, ['user', 'list', '--tenant', '00000000-0000-0000-0000-000000000000'])
  t.equal(missing.code, 1, 'a failure')
  t.match(missing.stderr, /no tenant/)
  t.equal(missing.stdout, '', 'nothing on stdout')
})

t.test('a reading command on an unmigrated database fails and leaves it unmigrated', async (t) => {
  const empty = await createTestDatabase(t, { empty: true })
  for (const args of [['tenant', 'list'], ['fingerprint']]) {
    const res = await cli(empty.url, args)
    t.equal(res.code, 1, args.join(' '))
    t.match(res.stderr, /npm run migrate/)
  }
  const db = createDb(empty.url)
  t.teardown(() => db.destroy())
  t.ok((await pendingMigrations(db)).length > 0, 'no migration was applied')
  const tables = await db.introspection.getTables()
  t.same(tables.map((table) => table.name), [], 'no table was created')
})

import t from 'tap'
import pg from 'pg'
import { Redis } from 'ioredis'
import { createTestDatabase, harnessEnv, redisPrefix } from '@license-hub/test-support'

t.test('the harness Postgres is a real server: a write is read back through a second connection', async (t) => {
  const { url } = await createTestDatabase(t)
  const writer = new pg.Client({ connectionString: url })
  const reader = new pg.Client({ connectionString: url })
  await Promise.all([writer.connect(), reader.connect()])
  t.teardown(() => Promise.all([writer.end(), reader.end()]))
  await writer.query('insert into tenants (name, fingerprint) values (\'Harness\', \'fp-harness\')')
  const { rows } = await reader.query('select name from tenants where fingerprint = \'fp-harness\'')
  t.same(rows, [{ name: 'Harness' }])
  const { rows: [version] } = await reader.query('select version()')
  t.match(version.version, /^PostgreSQL \d+/)
  t.not(new URL(url).port, '5432', 'never the machine\'s own Postgres')
})

t.test('the harness Redis is a real server: a write is read back through a second connection', async (t) => {
  const { redisUrl } = harnessEnv()
  const writer = new Redis(redisUrl)
  const reader = new Redis(redisUrl)
  t.teardown(() => { writer.disconnect(); reader.disconnect() })
  const key = `${redisPrefix()}greeting`
  await writer.set(key, 'hello', 'EX', 60)
  t.equal(await reader.get(key), 'hello')
  t.match(await reader.info('server'), /redis_version:\d+/)
  t.not(new URL(redisUrl).port, '6379', 'never the machine\'s own Redis')
})

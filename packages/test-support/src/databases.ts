import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { Redis } from 'ioredis'
import { createDb, type Db } from '@license-hub/db'
import { harnessEnv, TEMPLATE_DATABASE } from './env.js'

type Teardown = { teardown: (fn: () => unknown) => void }

/** A fresh, migrated database of this test's own, cloned from the run's template and dropped afterwards. */
export async function createTestDatabase(t: Teardown, options: { empty?: boolean } = {}): Promise<{ url: string; name: string }> {
  const { postgresUrl } = harnessEnv()
  const name = `t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: postgresUrl })
  await admin.connect()
  await admin.query(`create database "${name}" template "${options.empty ? 'template0' : TEMPLATE_DATABASE}"`)
  await admin.end()
  t.teardown(async () => {
    const client = new pg.Client({ connectionString: postgresUrl })
    await client.connect()
    await client.query(`drop database if exists "${name}" with (force)`)
    await client.end()
  })
  return { url: postgresUrl.replace(/\/[^/]*$/, `/${name}`), name }
}

export async function testDb(t: Teardown): Promise<Db> {
  const { url } = await createTestDatabase(t)
  const db = createDb(url)
  t.teardown(() => db.destroy())
  return db
}

/** A key prefix of this test's own, so tests sharing the run's redis-server never see each other's keys. */
export function redisPrefix(): string {
  return `t${randomBytes(4).toString('hex')}:`
}

export function testRedis(t: Teardown, url = harnessEnv().redisUrl): Redis {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 })
  t.teardown(() => redis.quit().catch(() => redis.disconnect())) // already closed: dropping the socket is all that is left
  return redis
}

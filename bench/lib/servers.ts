import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startPostgres, startRedis } from '@license-hub/local-servers'
import { createDb, migrateToLatest } from '@license-hub/db'

/** Real Postgres and redis-server in a temporary folder for one benchmark run. */
export async function benchServers() {
  const dir = mkdtempSync(join(tmpdir(), 'license-hub-bench-'))
  chmodSync(dir, 0o755)
  const [postgres, redis] = await Promise.all([
    startPostgres({ dataDir: join(dir, 'postgres'), ephemeral: true }),
    startRedis({ dataDir: join(dir, 'redis') }),
  ])
  const admin = new pg.Client({ connectionString: postgres.url() })
  await admin.connect()
  await admin.query('create database bench')
  await admin.end()
  const databaseUrl = postgres.url('bench')
  const db = createDb(databaseUrl)
  await migrateToLatest(db)
  await db.destroy()
  return {
    databaseUrl,
    redisUrl: redis.url,
    stop: async () => {
      await Promise.allSettled([postgres.stop(), redis.stop()])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

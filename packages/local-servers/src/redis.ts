import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { connect } from 'node:net'
import { freePort } from './ports.js'
import { stopChild, waitFor } from './process.js'
import { MissingBinaryError } from './postgres.js'

export interface RedisOptions {
  dataDir: string
  port?: number
  /** Keep data between runs (append-only file) instead of memory only. */
  persistent?: boolean
}

export interface RunningRedis {
  pid: number
  port: number
  url: string
  stop: () => Promise<void>
  /** Kills the server abruptly, as a crash would. */
  kill: () => Promise<void>
}

export function findRedisServer(): string {
  const candidate = process.env.REDIS_SERVER_BIN ?? 'redis-server'
  try {
    execFileSync(candidate, ['--version'], { stdio: 'ignore' })
    return candidate
  } catch {
    throw new MissingBinaryError(
      'redis-server not found: install it (Debian/Ubuntu: sudo apt-get install -y redis-server; Fedora: sudo dnf install -y redis; macOS: brew install redis) or point REDIS_URL at a running Redis')
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d) => { socket.end(); resolve(d.toString().startsWith('+PONG')) })
    socket.once('error', () => resolve(false))
  })
}

export async function startRedis(options: RedisOptions): Promise<RunningRedis> {
  const bin = findRedisServer()
  mkdirSync(options.dataDir, { recursive: true })
  const port = options.port ?? await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', options.dataDir,
    '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--protected-mode', 'no']
  args.push(...(options.persistent ? ['--appendonly', 'yes', '--save', '60 1'] : ['--appendonly', 'no', '--save', '']))
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { output += d.toString() })
  let exited = false
  child.once('exit', () => { exited = true })
  await waitFor(async () => {
    if (exited) throw new Error(`redis-server exited during start-up:\n${output.slice(-2000)}`)
    return ping(port)
  }, 'redis-server')
  return {
    pid: child.pid ?? 0,
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopChild(child, 'SIGTERM'),
    kill: () => stopChild(child, 'SIGKILL'),
  }
}

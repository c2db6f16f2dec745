import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from './ports.js'
import { run, stopChild, waitFor } from './process.js'
import { findRedisServer } from './redis.js'
import { MissingBinaryError } from './postgres.js'

export interface RedisClusterOptions {
  /** Each node gets a folder of its own under this one (nodes.conf, logs). */
  dataDir: string
  /** Masters; each gets `replicas` replicas (default 3 masters, 1 replica each: six nodes). */
  masters?: number
  replicas?: number
  /** How long a master may be unreachable before its replica takes over (default 1000 ms). */
  nodeTimeoutMs?: number
}

export interface RedisClusterNode {
  port: number
  pid: number
  /** Kills the node abruptly, as a crash would. */
  kill: () => Promise<void>
}

export interface RunningRedisCluster {
  nodes: RedisClusterNode[]
  /** `host:port` seeds, the value of REDIS_CLUSTER_NODES. */
  seeds: string
  /** The port of the master currently serving a slot (as CLUSTER SHARDS reports it on a live node). */
  masterOf: (slot: number) => Promise<number>
  /** The slot of a key (CLUSTER KEYSLOT). */
  keySlot: (key: string) => Promise<number>
  /** Runs a command on one node (redis-cli), answering its output. */
  ask: (port: number, ...command: string[]) => Promise<string>
  stop: () => Promise<void>
}

async function cli(...args: string[]): Promise<string> {
  const result = await run(process.env.REDIS_CLI_BIN ?? 'redis-cli', args).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new MissingBinaryError('redis-cli not found: it comes with redis-server (apt-get install -y redis-tools)')
    throw err
  })
  if (result.code !== 0) throw new Error(`redis-cli ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`)
  return result.stdout
}

const ask = (port: number, ...command: string[]) => cli('-h', '127.0.0.1', '-p', String(port), ...command)

/**
 * A Redis Cluster on loopback for tests: `masters × (1 + replicas)` redis-server processes with
 * `--cluster-enabled yes` on free ports, joined by `redis-cli --cluster create`, waited for until
 * every node reports `cluster_state:ok`. Memory only, `noeviction`, a short node timeout.
 */
export async function startRedisCluster(options: RedisClusterOptions): Promise<RunningRedisCluster> {
  const bin = findRedisServer()
  const masters = options.masters ?? 3
  const replicas = options.replicas ?? 1
  const count = masters * (1 + replicas)
  const children: ChildProcess[] = []
  const nodes: RedisClusterNode[] = []
  const stop = async () => { await Promise.all(children.map((child) => stopChild(child, 'SIGTERM', 5000))) }
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort()
      const dir = join(options.dataDir, `node-${port}`)
      mkdirSync(dir, { recursive: true })
      const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1000),
        '--maxmemory-policy', 'noeviction', '--appendonly', 'no', '--save', '', '--daemonize', 'no', '--protected-mode', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] })
      child.stdout?.resume()
      child.stderr?.resume()
      children.push(child)
      nodes.push({ port, pid: child.pid ?? 0, kill: () => stopChild(child, 'SIGKILL') })
    }
    for (const node of nodes) await waitFor(async () => (await ask(node.port, 'PING')).startsWith('PONG'), `redis cluster node ${node.port}`)
    await cli('--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes')
    await waitFor(async () => {
      for (const node of nodes) if (!(await ask(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false
      // Every replica has found its master.
      const info = await ask(nodes[0]!.port, 'CLUSTER', 'NODES')
      return (info.match(/ slave [0-9a-f]{40} /g) ?? []).length === masters * replicas
    }, 'redis cluster', 60_000)
  } catch (err) {
    await stop()
    throw err
  }

  const masterOf = async (slot: number): Promise<number> => {
    for (const node of nodes) {
      const listing = await ask(node.port, 'CLUSTER', 'NODES').catch(() => '') // a node down (a failover test) has no say: the others answer
      for (const line of listing.split('\n')) {
        const fields = line.trim().split(' ')
        if (!fields[2]?.includes('master') || fields[2].includes('fail')) continue
        for (const range of fields.slice(8)) {
          const [from, to = from] = range.split('-').map(Number)
          if (slot >= from! && slot <= to!) return Number(fields[1]!.split(':')[1]!.split('@')[0])
        }
      }
    }
    throw new Error(`no live master serves slot ${slot}`)
  }
  const keySlot = async (key: string) => Number((await ask(nodes[0]!.port, 'CLUSTER', 'KEYSLOT', key)).trim())
  return { nodes, seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','), masterOf, keySlot, ask, stop }
}

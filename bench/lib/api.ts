import { join } from 'node:path'
import { auth } from './fixtures.js'
import { benchFile, cpuProfileArgs, startChild, type Child } from './child.js'

export interface RunningNode {
  child: Child
  url: string
}

/** An api node in its own process (production config); its log lines go to a file under the run's folder. */
export async function startApi(env: NodeJS.ProcessEnv, name = 'api'): Promise<RunningNode> {
  const child = startChild(benchFile('api-node.ts'), env, {
    log: join(process.env.BENCH_LOG_DIR ?? process.env.BENCH_TMP ?? '/tmp', `${name}.log`), nodeArgs: [...cpuProfileArgs(), '--expose-gc'],
  })
  const { url } = await child.next<{ url: string }>('ready')
  return { child, url }
}

export async function startBare(kind: 'http' | 'ws', env: NodeJS.ProcessEnv = {}): Promise<RunningNode> {
  const child = startChild(benchFile('bare-server.ts'), { BENCH_BARE: kind, ...env }, { nodeArgs: ['--expose-gc'] })
  const { url } = await child.next<{ url: string }>('ready')
  return { child, url }
}

export async function call<T>(base: string, path: string, tok: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: auth(tok), ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  return { status: res.status, body: await res.json() as T }
}

/** Runs `fn` over `items`, `limit` at a time. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }))
  return out
}

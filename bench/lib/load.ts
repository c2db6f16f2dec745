import { benchFile, startChild, type Child } from './child.js'

export interface LoadOptions {
  url: string
  /** The route asked; under `churn` its `paths` say which. */
  path?: string
  method?: 'GET' | 'POST'
  connections: number
  durationSec: number
  variants?: { headers?: Record<string, string>; body?: string }[]
  /** Each connection creates a seat then ends it, for distinct users (`paths`: create and end, the api's by default). */
  churn?: { tokens: string[]; paths?: [create: string, end: string] }
}

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  total: number
  non2xx: number
  errors: number
}

let worker: { child: Child; ready: Promise<unknown> } | undefined

/**
 * Runs autocannon in a process of its own against `options.url`; throws when any request failed.
 * The process is started on the first run and kept for the benchmark's next ones (starting one
 * apiece cost about a second a run); `stopLoad` ends it.
 */
export async function load(name: string, options: LoadOptions): Promise<LoadResult> {
  if (!worker) {
    const child = startChild(benchFile('load-worker.ts'))
    worker = { child, ready: child.next('ready') }
  }
  await worker.ready
  worker.child.send({ ...options })
  const result = await worker.child.next<LoadResult & { error?: string }>('result', (options.durationSec + 60) * 1000)
  if (result.error) throw new Error(`${name}: ${result.error}`)
  const bad = result.non2xx + result.errors
  if (bad > 0) throw new Error(`${name}: ${bad} of ${result.total} requests failed (non-2xx ${result.non2xx}, errors ${result.errors})`)
  return result
}

/** Ends the load generator's process, if one runs. */
export async function stopLoad(): Promise<void> {
  const running = worker
  worker = undefined
  await running?.child.stop()
}

import { benchFile, startChild } from './child.js'

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

/** Runs autocannon in a process of its own against `options.url`; throws when any request failed. */
export async function load(name: string, options: LoadOptions): Promise<LoadResult> {
  const child = startChild(benchFile('load-worker.ts'))
  try {
    await child.next('ready')
    child.send({ ...options })
    const result = await child.next<LoadResult & { error?: string }>('result', (options.durationSec + 60) * 1000)
    if (result.error) throw new Error(`${name}: ${result.error}`)
    const bad = result.non2xx + result.errors
    if (bad > 0) throw new Error(`${name}: ${bad} of ${result.total} requests failed (non-2xx ${result.non2xx}, errors ${result.errors})`)
    return result
  } finally {
    await child.stop()
  }
}

/**
 * 7. Start: an api node (`npm run api`'s entry, NODE_ENV=production) from process start to
 *    `/ready` answering 200 on a migrated database; goal under 1 s. Baseline: a bare Fastify
 *    process, loaded the same way, from start to its first answer.
 */
import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import { freePort } from '@license-hub/local-servers'
import { seed } from './lib/fixtures.js'
import { benchDatabase } from './lib/servers.js'
import { benchFile } from './lib/child.js'
import { quick, record } from './lib/report.js'

const RUNS = quick ? 1 : 5
const root = new URL('..', import.meta.url).pathname

/** Milliseconds from spawning `file` to `path` answering 200. */
async function startTime(file: string, path: string, env: NodeJS.ProcessEnv): Promise<number> {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=license-hub-src', file], {
    stdio: 'ignore', env: { ...process.env, ...env, PORT: String(port), BENCH_PORT: String(port) }, cwd: root,
  })
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`)
      const ok = await fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status === 200, () => false)
      if (ok) return performance.now() - started
      if (performance.now() - started > 60_000) throw new Error(`${file} not ready within 60 s`)
      await sleep(5)
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const { databaseUrl, redisUrl } = await benchDatabase()
const seeded = await seed(databaseUrl, redisUrl, { users: 0, webrtcMaxUsers: 1 })
try {
  const server = join(root, 'services/api/src/server.ts')
  await startTime(server, '/ready', seeded.env) // the first start fills tsx's cache, as any earlier run would have
  const api: number[] = []
  const bare: number[] = []
  for (let i = 0; i < RUNS; i++) {
    api.push(await startTime(server, '/ready', seeded.env))
    bare.push(await startTime(benchFile('bare-server.ts'), '/bare', { BENCH_BARE: 'http' }))
  }
  const value = median(api)
  const baseline = median(bare)
  record({
    name: 'start-to-ready', value, unit: 'ms', baseline, ratio: value / baseline, p99: null,
    goal: '< 1000 ms', met: value < 1000, runs: RUNS, all: api.map(Math.round),
  })
} finally {
  await seeded.db.destroy()
}

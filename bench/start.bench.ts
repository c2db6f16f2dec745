/**
 * 7. Start: an api node as the image runs it (`npm run build`, then `node services/api/dist/bundle/server.mjs`,
 *    NODE_ENV=production) from process start to `/ready` answering 200 on a migrated database;
 *    goal under 1 s. Baseline: a bare Fastify process from start to its first answer. `--quick`
 *    skips the build and starts the TypeScript entry through tsx (`npm run api`'s way).
 */
import { spawn, spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import { freePort } from '@license-hub/local-servers'
import { seed } from './lib/fixtures.js'
import { benchDatabase } from './lib/servers.js'
import { benchFile, cpuProfileArgs } from './lib/child.js'
import { median, quick, record } from './lib/report.js'

const RUNS = quick ? 1 : 5
const root = new URL('..', import.meta.url).pathname

/** Milliseconds from spawning `file` to `path` answering 200. */
async function startTime(file: string, path: string, env: NodeJS.ProcessEnv): Promise<number> {
  const port = await freePort()
  const started = performance.now()
  const loader = file.endsWith('.ts') ? ['--import', 'tsx', '--conditions=license-hub-src'] : []
  const child = spawn(process.execPath, [...cpuProfileArgs(), ...loader, file], {
    stdio: 'ignore', env: { ...process.env, ...env, PORT: String(port), BENCH_PORT: String(port) }, cwd: root,
  })
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`)
      const ok = await fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status === 200, () => false) // not listening yet
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

const { databaseUrl, redisUrl } = await benchDatabase()
const seeded = await seed(databaseUrl, redisUrl, { users: 0, webrtcMaxUsers: 1 })
try {
  if (!quick) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' })
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`)
  }
  const server = join(root, quick ? 'services/api/src/server.ts' : 'services/api/dist/bundle/server.mjs')
  await startTime(server, '/ready', seeded.env) // a first start warms the file system cache (and tsx's)
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
    goal: '< 1000 ms', met: value < 1000, runs: RUNS, all: api.map(Math.round), entry: quick ? 'tsx src/server.ts' : 'node dist/bundle/server.mjs',
  })
} finally {
  await seeded.db.destroy()
}

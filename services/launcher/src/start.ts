/**
 * `npm start`: everything on one machine. Without DATABASE_URL/REDIS_URL it runs its own Postgres
 * and redis-server under .data/, migrates, ensures the defaults, then runs one api and one worker
 * and prints the URL and admin login. Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { bootProcess, showGeneratedAdmin } from '@license-hub/licensing'

const { config, log, infra, defaults } = await bootProcess('start')

const childEnv = { ...process.env, DATABASE_URL: infra.databaseUrl, REDIS_URL: infra.redisUrl }
const runTs = (entry: string): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', '--conditions=license-hub-src', new URL(entry, import.meta.url).pathname],
    { env: childEnv, stdio: 'inherit' })
const children = [runTs('../../api/src/server.ts'), runTs('../../worker/src/main.ts')]

let stopping = false
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })))
    await infra.release()
  }
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
for (const child of children) child.once('exit', (code) => { if (!stopping) { log.error({ code }, 'a child process stopped; stopping everything'); void stop(1) } })

const url = `http://localhost:${config.port}`
for (let i = 0; i < 300 && !stopping; i++) {
  const ready = await fetch(`${url}/ready`).then((r) => r.ok, () => false)
  if (ready) break
  await sleep(200)
}
console.log(`\nlicense-hub is running at ${url}  (API docs: ${url}/docs)`)
if (defaults.generatedAdmin) showGeneratedAdmin(defaults)
else console.log(`Admin login: ${config.adminEmail ?? 'admin@localhost'} (password as set before)`)
console.log('Press Ctrl-C to stop.\n')

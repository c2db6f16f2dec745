/**
 * `npm start`: everything on one machine. Without DATABASE_URL/REDIS_URL it runs its own Postgres
 * and redis-server under .data/, migrates, ensures the defaults, then runs one api and one worker
 * and prints the URL and admin login. Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { bootProcess, showGeneratedAdmin } from './boot.js'

const { config, log, infra, defaults } = await bootProcess('start')

// The children follow us: they stop by themselves if we die without stopping them (see followParent).
// They find the servers started here; a configured REDIS_CLUSTER_NODES they read themselves.
const childEnv = {
  ...process.env, DATABASE_URL: infra.databaseUrl, LICENSE_HUB_PARENT_PID: String(process.pid),
  ...(typeof infra.redisUrl === 'string' ? { REDIS_URL: infra.redisUrl } : {}),
}
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
process.on('SIGINT', () => { void stop(0) })
process.on('SIGTERM', () => { void stop(0) })
process.on('SIGHUP', () => { void stop(0) })

/** Every ancestor (tsx, npm's shell, npm, whatever started npm), pid 1 excluded. */
function ancestors(): number[] {
  const found: number[] = []
  let pid = process.ppid
  while (pid > 1 && found.length < 16) {
    found.push(pid)
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    } catch {
      break
    }
  }
  return found
}
// A process manager may signal only `npm`, which does not always pass it on, and npm outlives a
// parent that dies: when any process above us is gone, we stop everything we started, as for SIGTERM.
const watched = ancestors()
setInterval(() => {
  const gone = watched.some((pid) => { try { process.kill(pid, 0); return false } catch { return true } })
  if (gone && !stopping) {
    log.warn('the process that started us is gone: stopping everything')
    void stop(0)
  }
}, 500).unref()
for (const child of children) child.once('exit', (code) => { if (!stopping) { log.error({ code }, 'a child process stopped; stopping everything'); void stop(1) } })

const url = `http://localhost:${config.port}`
for (let i = 0; i < 300 && !stopping; i++) {
  const ready = await fetch(`${url}/ready`).then((r) => r.ok, () => false) // not listening yet: asked again
  if (ready) break
  await sleep(200)
}
console.log(`\nlicense-hub is running at ${url}  (API docs: ${url}/docs)`)
if (defaults.generatedAdmin) showGeneratedAdmin(defaults)
else console.log(`Admin login: ${config.adminEmail ?? 'admin@localhost'} (password as set before)`)
console.log('Press Ctrl-C to stop.\n')

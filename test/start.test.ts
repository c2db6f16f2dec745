import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '@license-hub/local-servers'
import { harnessEnv } from '@license-hub/test-support'

const launcher = new URL('../services/launcher/src/start.ts', import.meta.url).pathname

function npmStart(dataDir: string, port: number): { child: ChildProcess; output: () => string; running: Promise<void> } {
  const env: NodeJS.ProcessEnv = { ...process.env, LICENSE_HUB_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'development' }
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'LICENSE_PRIVATE_KEY', 'LICENSE_PUBLIC_KEY']) delete env[name]
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=license-hub-src', launcher], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { output += d.toString() })
  const running = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 90_000)
    child.stdout!.on('data', () => { if (output.includes('Press Ctrl-C to stop')) { clearTimeout(timer); resolve() } })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`npm start exited with ${code}:\n${output}`)) })
  })
  return { child, output: () => output, running }
}

const stopped = (child: ChildProcess) => new Promise<number | null>((resolve) => {
  child.once('exit', (code) => resolve(code))
  child.kill('SIGINT')
})

t.test('npm start brings up api + worker on the embedded default, and a second start reuses .data/', { timeout: 240_000 }, async (t) => {
  const home = mkdtempSync(join(harnessEnv().tmp, 'start-'))
  chmodSync(home, 0o755) // the embedded Postgres runs as the postgres user
  const dataDir = join(home, '.data')
  const port = await freePort()

  const first = npmStart(dataDir, port)
  t.teardown(() => { first.child.kill('SIGKILL') })
  await first.running
  const login = /Admin login: (admin@localhost) \/ (\S+)/.exec(first.output())
  t.ok(login, 'the admin login with its generated password is printed once')
  const ready = await fetch(`http://127.0.0.1:${port}/ready`)
  t.equal(ready.status, 200, '/ready answers 200')
  t.same(await ready.json(), { status: 'ok', postgres: 'up', redis: 'up' })
  t.equal(await stopped(first.child), 0, 'Ctrl-C stops everything it started')
  await t.rejects(fetch(`http://127.0.0.1:${port}/health`), 'the api is gone after Ctrl-C')

  const second = npmStart(dataDir, port)
  t.teardown(() => { second.child.kill('SIGKILL') })
  await second.running
  t.notMatch(second.output(), /Admin login: admin@localhost \/ /, 'the existing admin is kept: no new password')
  t.equal((await fetch(`http://127.0.0.1:${port}/ready`)).status, 200)
  t.equal(await stopped(second.child), 0)
})

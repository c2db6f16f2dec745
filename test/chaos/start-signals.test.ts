import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, waitFor } from '@license-hub/local-servers'
import { createTestDatabase, harnessEnv } from '@license-hub/test-support'

const root = new URL('../..', import.meta.url).pathname

/** `npm start` against the harness's Postgres and Redis (no embedded servers), started by `parent`. */
async function started(t: Parameters<typeof createTestDatabase>[0], parent: (env: NodeJS.ProcessEnv) => ChildProcess) {
  const home = mkdtempSync(join(harnessEnv().tmp, 'signals-'))
  chmodSync(home, 0o755)
  const port = await freePort()
  const { url } = await createTestDatabase(t)
  const env: NodeJS.ProcessEnv = {
    ...process.env, LICENSE_HUB_DATA_DIR: join(home, '.data'), PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'development',
    DATABASE_URL: url, REDIS_URL: harnessEnv().redisUrl, ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password',
  }
  const child = parent(env)
  t.teardown(() => { child.kill('SIGKILL') })
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok, 'npm start to come up', 120_000)
  const down = () => waitFor(async () => fetch(`http://127.0.0.1:${port}/health`).then(() => false, () => true), 'the api to stop', 40_000)
  return { child, down }
}

t.test('SIGTERM to the npm process (as a process manager sends it) stops the api and worker it started', { timeout: 200_000 }, async (t) => {
  const { child, down } = await started(t, (env) => spawn('npm', ['start'], { cwd: root, env, stdio: 'ignore' }))
  child.kill('SIGTERM')
  await down()
  t.pass('the api is gone')
})

t.test('the parent of npm start dying (SIGKILL) stops everything npm start started', { timeout: 200_000 }, async (t) => {
  // A parent that starts npm start and is then killed without a chance to pass anything on.
  const { child, down } = await started(t, (env) => spawn('sh', ['-c', 'npm start & wait'], { cwd: root, env, stdio: 'ignore' }))
  child.kill('SIGKILL')
  await down()
  t.pass('the api is gone')
})

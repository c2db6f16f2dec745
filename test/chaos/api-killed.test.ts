import t from 'tap'
import { spawn } from 'node:child_process'
import { freePort, waitFor } from '@license-hub/local-servers'
import { issueLocalLicense } from '@license-hub/licensing'
import { listLiveSessions } from '@license-hub/db'
import { buildTestApp } from '../helpers/app.js'
import { createTestUser } from '../helpers/users.js'
import { printReport } from './traffic.js'
import { createTestDatabase, harnessEnv, testSecrets } from '@license-hub/test-support'

const server = new URL('../../services/api/src/server.ts', import.meta.url).pathname
const CONTENDERS = 30

t.test('an api node SIGKILLed in the middle of an admission race: never more seats than the allocation', async (t) => {
  const { url: databaseUrl } = await createTestDatabase(t)
  const secrets = testSecrets()
  const port = await freePort()
  // Node B: in this process, on the deployment's Redis prefix so both nodes share the seats.
  const b = await buildTestApp(t, { databaseUrl, redisPrefix: 'lh:' })
  const tenant = b.defaults.tenant
  const license = await issueLocalLicense(b.db, secrets.licensePrivateKey, { tenantId: tenant.id, organizationName: 'Race', serverFingerprint: tenant.fingerprint, licenseTypeId: 2, expiresAt: null })
  const max = license.webrtcMaxUsers ?? license.maxUsers
  // Node A: a real process, killed without warning.
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=license-hub-src', server], {
    env: {
      ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, REDIS_URL: harnessEnv().redisUrl,
      JWT_SECRET: secrets.jwtSecret, LICENSE_PRIVATE_KEY: secrets.licensePrivateKey, LICENSE_PUBLIC_KEY: secrets.licensePublicKey,
      ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password',
    },
    stdio: 'ignore',
  })
  t.teardown(() => { child.kill('SIGKILL') })
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok, 'node A ready', 90_000)

  const users = await Promise.all(Array.from({ length: CONTENDERS }, () => createTestUser(b)))
  const answers: number[] = []
  const race = users.map(async ({ headers }, i) => {
    const payload = { deviceId: `device-${i}` }
    if (i % 2 === 0) {
      const res = await b.app.inject({ method: 'POST', url: '/api/licenses/create-session', headers, payload })
      answers.push(res.statusCode)
      return
    }
    const res = await fetch(`http://127.0.0.1:${port}/api/licenses/create-session`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(payload) })
      .then((r) => r.status, () => 0)
    answers.push(res)
  })
  await new Promise((resolve) => setTimeout(resolve, 30))
  child.kill('SIGKILL')
  await Promise.all(race)

  const admin = await createTestUser(b, { role: 'admin' })
  const count = (await b.app.inject({ method: 'GET', url: '/api/licenses/session-count', headers: admin.headers })).json()
  const live = await listLiveSessions(b.db, license.id, new Date(Date.now() - b.config.sessionLeaseSec * 1000))
  const report = {
    fault: 'api node SIGKILLed mid-admission race',
    requests: answers.length,
    unavailable: answers.filter((s) => s === 503).length,
    errors5xx: answers.filter((s) => s >= 500 && s !== 503).length,
    slow: 0,
    lostSessions: 0,
    overAdmissions: Math.max(0, count.activeSessions - max, live.length - max),
  }
  printReport(report)
  t.equal(answers.filter((s) => s === 201).length <= max, true, 'no more grants than seats')
  t.ok(count.activeSessions <= max, `Redis holds at most ${max} seats (${count.activeSessions})`)
  t.ok(live.length <= max, `Postgres holds at most ${max} live sessions (${live.length})`)
  t.equal(report.errors5xx, 0, 'the surviving node answered no 5xx')
  t.equal(report.overAdmissions, 0)
  // The survivor keeps admitting up to the allocation once the dead node's half-made seats are settled.
  const late = await createTestUser(b)
  const res = await b.app.inject({ method: 'POST', url: '/api/licenses/create-session', headers: late.headers, payload: { deviceId: 'late' } })
  t.ok([201, 403].includes(res.statusCode), `a later admission is answered (${res.statusCode})`)
})

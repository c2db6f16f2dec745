import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import t from 'tap'
import pg from 'pg'
import { createDb, migrateToLatest } from '@license-hub/db'
import { freePort, startPostgres, startRedis, waitFor, type RunningPostgres, type RunningRedis } from '@license-hub/local-servers'
import { issueLocalLicense } from '@license-hub/licensing'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestUser } from '../helpers/users.js'
import { heartbeatTraffic, printReport, type Seat } from './traffic.js'
import { harnessEnv } from '@license-hub/test-support'

const SEATS = 8

/** An api on Postgres and Redis servers of this test's own, which it stops and starts again. */
async function ownServers(t: Parameters<typeof buildTestApp>[0]) {
  const dir = join(harnessEnv().tmp, `chaos-${randomBytes(4).toString('hex')}`)
  const pgPort = await freePort()
  const redisPort = await freePort()
  const servers: { postgres: RunningPostgres; redis: RunningRedis } = {
    postgres: await startPostgres({ dataDir: join(dir, 'pg'), port: pgPort, ephemeral: true }),
    redis: await startRedis({ dataDir: join(dir, 'redis-0'), port: redisPort }),
  }
  t.teardown(async () => { await Promise.allSettled([servers.postgres.stop(), servers.redis.stop()]) })
  const admin = new pg.Client({ connectionString: servers.postgres.url() })
  await admin.connect()
  await admin.query('create database chaos')
  await admin.end()
  const databaseUrl = servers.postgres.url('chaos')
  const db = createDb(databaseUrl)
  await migrateToLatest(db)
  await db.destroy()
  const testApp = await buildTestApp(t, { databaseUrl, redisUrl: servers.redis.url })
  let restarts = 0
  return {
    testApp,
    restartPostgres: async (downMs: number) => {
      await servers.postgres.stop()
      await new Promise((resolve) => setTimeout(resolve, downMs))
      servers.postgres = await startPostgres({ dataDir: join(dir, 'pg'), port: pgPort, ephemeral: true })
    },
    /** Redis comes back empty: a new data directory on the same port. */
    restartRedisEmpty: async (downMs: number) => {
      await servers.redis.stop()
      await new Promise((resolve) => setTimeout(resolve, downMs))
      servers.redis = await startRedis({ dataDir: join(dir, `redis-${++restarts}`), port: redisPort })
    },
  }
}

async function seatsFor(testApp: TestApp): Promise<{ seats: Seat[]; max: number }> {
  const tenant = testApp.defaults.tenant
  await issueLocalLicense(testApp.db, testApp.secrets.licensePrivateKey, { tenantId: tenant.id, organizationName: 'Chaos', serverFingerprint: tenant.fingerprint, licenseTypeId: 3, expiresAt: null })
  const seats: Seat[] = []
  for (let i = 0; i < SEATS; i++) {
    const { headers } = await createTestUser(testApp)
    const res = await testApp.app.inject({ method: 'POST', url: '/api/licenses/create-session', headers, payload: { deviceId: `device-${i}` } })
    if (res.statusCode !== 201) throw new Error(`create-session: ${res.statusCode} ${res.body}`)
    seats.push({ sessionId: res.json().sessionId, headers })
  }
  return { seats, max: 25 }
}

async function settle(testApp: TestApp, seats: Seat[]) {
  // Recovers by itself: every heartbeat answers again, and every seat is still live.
  const valid = new Map<string, boolean>()
  await waitFor(async () => {
    for (const seat of seats) {
      const res = await testApp.app.inject({ method: 'POST', url: '/api/licenses/validate-session', headers: seat.headers, payload: { sessionId: seat.sessionId } })
      if (res.statusCode !== 200) return false
      valid.set(seat.sessionId, res.json().valid === true)
    }
    return true
  }, 'the api to recover', 30_000)
  const count = (await testApp.app.inject({ method: 'GET', url: '/api/licenses/session-count', headers: seats[0]!.headers })).json()
  return { lostSessions: seats.filter((s) => !valid.get(s.sessionId)).length, activeSessions: count.activeSessions as number }
}

t.test('Postgres restarted under steady heartbeat traffic: 503 with Retry-After while away, never a 500 or a hang, no session lost', async (t) => {
  const servers = await ownServers(t)
  const { seats, max } = await seatsFor(servers.testApp)
  const traffic = heartbeatTraffic(servers.testApp.app, seats)
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  await servers.restartPostgres(3_000)
  const during = await servers.testApp.app.inject({ method: 'GET', url: '/api/users', headers: seats[0]!.headers })
  t.not(during.statusCode, 500)
  const { lostSessions, activeSessions } = await settle(servers.testApp, seats)
  const report = await traffic.stop()
  const summary = { fault: 'postgres restarted', requests: report.requests, unavailable: report.unavailable, errors5xx: report.errors5xx, slow: report.slow, lostSessions, overAdmissions: Math.max(0, activeSessions - max) }
  printReport(summary)
  t.equal(summary.errors5xx, 0, 'no 5xx but 503 with Retry-After')
  t.equal(summary.slow, 0, 'every answer within 5 s')
  t.equal(lostSessions, 0, 'every live seat is still live')
  t.equal(activeSessions, SEATS)
  t.ok(report.requests > SEATS * 5, `traffic kept flowing (${report.requests} requests)`)
})

t.test('Redis restarted empty under steady heartbeat traffic: seats rebuilt from Postgres, none lost, none over-admitted', async (t) => {
  const servers = await ownServers(t)
  const { seats, max } = await seatsFor(servers.testApp)
  const traffic = heartbeatTraffic(servers.testApp.app, seats)
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  await servers.restartRedisEmpty(2_000)
  const { lostSessions, activeSessions } = await settle(servers.testApp, seats)
  const report = await traffic.stop()
  // A new device after the restart is admitted against the rebuilt count, not an empty one.
  const extra = await createTestUser(servers.testApp)
  t.equal((await servers.testApp.app.inject({ method: 'POST', url: '/api/licenses/create-session', headers: extra.headers, payload: { deviceId: 'after' } })).statusCode, 201)
  const count = (await servers.testApp.app.inject({ method: 'GET', url: '/api/licenses/session-count', headers: extra.headers })).json()
  const summary = { fault: 'redis restarted empty', requests: report.requests, unavailable: report.unavailable, errors5xx: report.errors5xx, slow: report.slow, lostSessions, overAdmissions: Math.max(0, count.activeSessions - max) }
  printReport(summary)
  t.equal(summary.errors5xx, 0)
  t.equal(summary.slow, 0)
  t.equal(lostSessions, 0)
  t.equal(activeSessions, SEATS)
  t.equal(count.activeSessions, SEATS + 1, 'the rebuilt count holds every seat that was live')
  t.equal(summary.overAdmissions, 0)
})

t.test('/ready answers 503 while Postgres is away and 200 once it is back', async (t) => {
  const servers = await ownServers(t)
  const { app } = servers.testApp
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
  const restarting = servers.restartPostgres(2_000)
  await new Promise((resolve) => setTimeout(resolve, 500))
  const started = Date.now()
  const down = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(down.statusCode, 503)
  t.ok(Date.now() - started < 5_000)
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'admin@example.test', password: 'admin-password' } })
  t.equal(login.statusCode, 503, 'login while Postgres is away is 503')
  t.ok(login.headers['retry-after'])
  await restarting
  await waitFor(async () => (await app.inject({ method: 'GET', url: '/ready' })).statusCode === 200, 'ready again', 30_000)
  t.equal((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'admin@example.test', password: 'admin-password' } })).statusCode, 200)
})

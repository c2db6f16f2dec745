import t from 'tap'
import { insertLicense } from '@license-hub/db'
import { createSession, sessionCount } from '@license-hub/licensing'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'
import { completed, startTestWorker } from './helpers/worker.js'
import { waitFor } from '@license-hub/test-support'

const DAY = 86_400_000

t.test('a seat whose heartbeat lapsed is ended by the cleanup job, with session_ended published', async (t) => {
  const clock = { now: new Date() }
  const testApp = await buildTestApp(t, { now: () => clock.now })
  const { user } = await createTestUser(testApp)
  const worker = await startTestWorker(t, {
    databaseUrl: testApp.databaseUrl, redisPrefix: testApp.redisPrefix, now: () => clock.now, schedules: { 'session-cleanup': 300 },
  })
  const grant = await createSession(worker.ctx, { id: user.id, tenantId: user.tenantId }, { deviceId: 'laptop' })
  t.equal((await sessionCount(worker.ctx, user.tenantId)).activeSessions, 1)

  const before = completed(worker, 'session-cleanup').length
  await waitFor(() => completed(worker, 'session-cleanup').length > before, 20_000, 'a cleanup run')
  const live = await testApp.db.selectFrom('clientSessions').selectAll().where('id', '=', grant.sessionId).executeTakeFirstOrThrow()
  t.equal(live.endedAt, null, 'a seat within its lease is left alone')

  clock.now = new Date(clock.now.getTime() + (worker.ctx.config.sessionLeaseSec + 1) * 1000)
  const ended = await waitFor(async () => {
    const row = await testApp.db.selectFrom('clientSessions').selectAll().where('id', '=', grant.sessionId).executeTakeFirstOrThrow()
    return row.endedAt ? row : undefined
  }, 20_000, 'the lapsed session to end')
  t.equal(ended.endReason, 'expired')
  // The event is written just after the row, by the same job: wait for it, then for the job's
  // run to complete, so that a duplicate (from that run or the next) would be seen too.
  const sessionEnded = () => testApp.db.selectFrom('events').selectAll().where('tenantId', '=', user.tenantId)
    .where('type', '=', 'session_ended').execute()
  await waitFor(async () => (await sessionEnded()).length > 0, 20_000, 'the session_ended event')
  const runs = completed(worker, 'session-cleanup').length
  await waitFor(() => completed(worker, 'session-cleanup').length > runs, 20_000, 'the next cleanup run')
  const events = await sessionEnded()
  t.equal(events.length, 1)
  t.match(events[0]?.data, { sessionId: grant.sessionId, reason: 'expired', severity: 'info', userId: user.id })
  t.equal((await sessionCount(worker.ctx, user.tenantId)).activeSessions, 0, 'the seat is free again')
})

t.test('the expiry scan job tells license_expiring once per day, however often it runs', async (t) => {
  const testApp = await buildTestApp(t)
  const tenant = testApp.defaults.tenant
  const license = await insertLicense(testApp.db, {
    source: 'external', externalId: 'ext-9', tenantId: tenant.id, organizationName: 'Acme Corp', serverFingerprint: tenant.fingerprint,
    status: 'active', maxUsers: 50, webrtcMaxUsers: 25, webrtcAllocation: null, licenseTypeId: 2,
    features: JSON.stringify({ calls: true, webrtc_extension: true }), raw: null, signature: null,
    issuedAt: new Date('2024-01-01T00:00:00Z'), expiresAt: new Date(Date.now() + 5 * DAY), lastSyncedAt: new Date(), withdrawnAt: null,
  })
  const options = { databaseUrl: testApp.databaseUrl, redisPrefix: testApp.redisPrefix, schedules: { 'expiry-scan': 250 } }
  const [a, b] = await Promise.all([startTestWorker(t, options), startTestWorker(t, options)])
  await waitFor(() => completed(a, 'expiry-scan').length + completed(b, 'expiry-scan').length >= 4, 30_000, 'four scans')

  const events = await testApp.db.selectFrom('events').selectAll().where('tenantId', '=', tenant.id).where('type', '=', 'license_expiring').execute()
  t.equal(events.length, 1)
  t.match(events[0]?.data, { licenseId: license.id, daysLeft: 5, severity: 'warning', message: 'Your license expires in 5 days' })
})

import t from 'tap'
import { ERRORS, userLimitMessage } from '@license-hub/contract'
import { insertLicense, type NewServerLicense } from '@license-hub/db'
import { invalidateLicenseCache } from '@license-hub/licensing'
import { buildTestApp, type TestApp } from '../../../test/helpers/app.js'
import { createTestTenant, createTestUser } from '../../../test/helpers/users.js'
import { createSession, endSession, get, licenseWithSeats, post, storedEvents, testClock, validateSession } from './helpers/seats.js'

const refusal = (code: keyof typeof ERRORS, message: string = ERRORS[code].message) => ({ code, message })
const pick = (body: { code: string; message: string }) => ({ code: body.code, message: body.message })

t.test('a seat: 201 with its lease, the same device gets it back (200), a second device 409, force moves it', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, db } = testApp
  await licenseWithSeats(testApp, 5)
  const alice = await createTestUser(testApp)

  const first = await createSession(app, alice.headers, 'laptop')
  t.equal(first.statusCode, 201)
  const grant = first.json()
  t.match(grant, { sessionId: /^[0-9a-f-]{36}$/, heartbeatIntervalSec: 30, activeSessions: 1, webrtcMaxUsers: 5 })
  t.ok(Date.parse(grant.expiresAt) > Date.now() + 80_000, 'the lease runs SESSION_LEASE_SEC (90 s)')

  const again = await createSession(app, alice.headers, 'laptop')
  t.equal(again.statusCode, 200, 'the same device asking again')
  t.equal(again.json().sessionId, grant.sessionId, 'gets its existing seat back')
  t.equal(again.json().activeSessions, 1)

  const phone = await createSession(app, alice.headers, 'phone')
  t.equal(phone.statusCode, 409)
  t.same(pick(phone.json()), refusal('CONCURRENT_SESSION'))

  const forced = await createSession(app, alice.headers, 'phone', true)
  t.equal(forced.statusCode, 201, 'force takes the seat over')
  t.not(forced.json().sessionId, grant.sessionId)
  t.equal(forced.json().activeSessions, 1, 'a moved seat, not a second one')

  t.same((await validateSession(app, alice.headers, grant.sessionId)).json(), { valid: false, ...refusal('SESSION_NOT_FOUND') }, 'the old device lost its seat')
  t.equal((await validateSession(app, alice.headers, forced.json().sessionId)).json().valid, true)
  const old = await db.selectFrom('clientSessions').selectAll().where('id', '=', grant.sessionId).executeTakeFirstOrThrow()
  t.equal(old.endReason, 'forced')
  t.ok(old.endedAt)
  const ended = await storedEvents(testApp, 'session_ended')
  t.equal(ended.length, 1, 'the old device is told once')
  t.match(ended[0]!.data, { sessionId: grant.sessionId, reason: 'forced', userId: alice.user.id, severity: 'warning' })
})

t.test('the seat limit: the first refusal carries the exact message and reports usage_limit_exceeded, throttled', async (t) => {
  const testApp = await buildTestApp(t)
  const { app } = testApp
  const [a, b, c] = [await createTestUser(testApp), await createTestUser(testApp), await createTestUser(testApp)]
  // The default tenant's Developer license: one seat.
  t.equal((await createSession(app, a.headers, 'a')).statusCode, 201)
  for (const user of [b, c, b]) {
    const refused = await createSession(app, user.headers, 'x')
    t.equal(refused.statusCode, 403)
    t.same(refused.json(), { statusCode: 403, error: 'Forbidden', ...refusal('USER_LIMIT_REACHED', userLimitMessage(1)) })
  }
  t.equal(userLimitMessage(1), 'Maximum user limit reached (1 users). Please wait for a user to log out and try again')
  const exceeded = await storedEvents(testApp, 'usage_limit_exceeded')
  t.equal(exceeded.length, 1, 'three refusals within a minute report once')
  t.match(exceeded[0]!.data, { activeSessions: 1, webrtcMaxUsers: 1, usagePercent: 100, severity: 'error' })
})

t.test('end-session frees the seat, twice is fine; only the owner (or an admin of the tenant) may end it', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, db } = testApp
  const [a, b] = [await createTestUser(testApp), await createTestUser(testApp)]
  const admin = await createTestUser(testApp, { role: 'admin' })
  const other = await createTestTenant(testApp)
  const stranger = await createTestUser(testApp, { tenantId: other.id, role: 'admin' })

  const { sessionId } = (await createSession(app, a.headers, 'a')).json()
  t.equal((await endSession(app, b.headers, sessionId)).statusCode, 404, 'another user cannot end it')
  t.same(pick((await endSession(app, stranger.headers, sessionId)).json()), refusal('SESSION_NOT_FOUND'), 'another tenant\'s admin gets 404')
  t.same(pick((await validateSession(app, stranger.headers, sessionId)).json() as never), refusal('SESSION_NOT_FOUND'))
  const untouched = await db.selectFrom('clientSessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow()
  t.equal(untouched.endedAt, null, 'neither refused call ended it')
  t.match((await validateSession(app, a.headers, sessionId)).json(), { valid: true }, 'its owner still holds the seat')

  for (let i = 0; i < 2; i++) {
    const res = await endSession(app, a.headers, sessionId)
    t.equal(res.statusCode, 200)
    t.same(res.json(), { ended: true })
  }
  t.same((await validateSession(app, a.headers, sessionId)).json(), { valid: false, ...refusal('SESSION_NOT_FOUND') })
  const row = await db.selectFrom('clientSessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow()
  t.equal(row.endReason, 'logout')
  t.equal((await storedEvents(testApp, 'session_ended')).length, 0, 'a logout tells nobody: that device asked')

  const bSeat = await createSession(app, b.headers, 'b')
  t.equal(bSeat.statusCode, 201, 'the freed seat goes to the next user')
  t.equal((await endSession(app, admin.headers, bSeat.json().sessionId)).statusCode, 200, 'an admin of the tenant may end it')
  const revoked = await db.selectFrom('clientSessions').selectAll().where('id', '=', bSeat.json().sessionId).executeTakeFirstOrThrow()
  t.equal(revoked.endReason, 'revoked')
  t.match((await storedEvents(testApp, 'session_ended'))[0]?.data, { reason: 'revoked', userId: b.user.id })

  const own = (await createSession(app, admin.headers, 'admin')).json()
  t.equal((await endSession(app, admin.headers, own.sessionId)).statusCode, 200)
  const logout = await db.selectFrom('clientSessions').selectAll().where('id', '=', own.sessionId).executeTakeFirstOrThrow()
  t.equal(logout.endReason, 'logout', 'an admin ending their own session logs out')
  t.equal((await storedEvents(testApp, 'session_ended')).length, 1, 'and tells nobody')
})

t.test('bad input is 400 VALIDATION_ERROR naming the field; no token is 401', async (t) => {
  const testApp = await buildTestApp(t)
  const { app } = testApp
  const a = await createTestUser(testApp)
  const cases: Array<[string, object, string]> = [
    ['/api/licenses/create-session', {}, 'deviceId'],
    ['/api/licenses/create-session', { deviceId: '' }, 'deviceId'],
    ['/api/licenses/create-session', { deviceId: 'x'.repeat(201) }, 'deviceId'],
    ['/api/licenses/create-session', { deviceId: 'd', force: 'yes please' }, 'force'],
    ['/api/licenses/validate-session', { sessionId: 'not-a-uuid' }, 'sessionId'],
    ['/api/licenses/validate-session', {}, 'sessionId'],
    ['/api/licenses/end-session', { sessionId: 42 }, 'sessionId'],
  ]
  for (const [url, payload, field] of cases) {
    const res = await post(app, url, a.headers, payload)
    t.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload)}`)
    t.equal(res.json().code, 'VALIDATION_ERROR')
    t.match(res.json().message, field)
  }
  const long = await createSession(app, a.headers, 'y'.repeat(200))
  t.equal(long.statusCode, 201, '200 characters are fine')
  const extra = await post(app, '/api/licenses/validate-session', a.headers, { sessionId: long.json().sessionId, deviceId: 'y', version: '2.1' })
  t.equal(extra.json().valid, true, 'unknown fields are ignored: the extension may send more than we read')
  const anonymous = await app.inject({ method: 'POST', url: '/api/licenses/create-session', payload: { deviceId: 'd' } })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.json().code, 'UNAUTHORIZED')
})

t.test('a heartbeat extends the lease; a seat that misses them for the lease frees itself without end-session', async (t) => {
  const clock = testClock()
  const testApp = await buildTestApp(t, { now: clock.now })
  const { app, db } = testApp
  const [a, b] = [await createTestUser(testApp), await createTestUser(testApp)]
  const { sessionId } = (await createSession(app, a.headers, 'a')).json()

  for (let beat = 0; beat < 3; beat++) {
    clock.advance(80) // under the 90 s lease each time, 240 s in all
    const res = (await validateSession(app, a.headers, sessionId)).json()
    t.equal(res.valid, true, `heartbeat ${beat + 1} keeps the seat`)
    t.equal(res.expiresAt, new Date(clock.at + 90_000).toISOString())
    t.match(res, { activeSessions: 1, webrtcMaxUsers: 1, license: { id: String, webrtcEnabled: true } })
    await app.licensing.node!.lastSeen.flush() // what the node does every SESSION_HEARTBEAT_SEC / 3
    const row = await db.selectFrom('clientSessions').select('lastSeenAt').where('id', '=', sessionId).executeTakeFirstOrThrow()
    t.equal(row.lastSeenAt.getTime(), clock.at, 'the heartbeat is recorded in Postgres by the next flush')
  }
  t.equal((await createSession(app, b.headers, 'b')).statusCode, 403, 'the seat is still held')

  clock.advance(90) // the laptop closed: no heartbeat for a whole lease
  const next = await createSession(app, b.headers, 'b')
  t.equal(next.statusCode, 201, 'the lapsed seat was freed')
  t.equal(next.json().activeSessions, 1)
  t.same((await validateSession(app, a.headers, sessionId)).json(), { valid: false, ...refusal('SESSION_NOT_FOUND') })
  const row = await db.selectFrom('clientSessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow()
  t.equal(row.endReason, 'expired')
})

t.test('usage_limit_warning when admissions cross 80% upward, once', async (t) => {
  const testApp = await buildTestApp(t)
  await licenseWithSeats(testApp, 5)
  for (let i = 0; i < 5; i++) {
    const user = await createTestUser(testApp)
    t.equal((await createSession(testApp.app, user.headers, 'd')).statusCode, 201)
    t.equal((await storedEvents(testApp, 'usage_limit_warning')).length, i < 3 ? 0 : 1, `after ${i + 1} of 5 seats`)
  }
  t.match((await storedEvents(testApp, 'usage_limit_warning'))[0]!.data, { activeSessions: 4, webrtcMaxUsers: 5, usagePercent: 80, severity: 'warning' })
})

t.test('session-count and active-sessions (admin)', async (t) => {
  const testApp = await buildTestApp(t)
  const { app } = testApp
  await licenseWithSeats(testApp, 4)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const users = [await createTestUser(testApp), await createTestUser(testApp), await createTestUser(testApp)]
  const grants = []
  for (const [i, user] of users.entries()) grants.push((await createSession(app, user.headers, `device-${i}`)).json())
  await endSession(app, users[2]!.headers, grants[2].sessionId)

  t.same((await get(app, '/api/licenses/session-count', users[0]!.headers)).json(), { activeSessions: 2, webrtcMaxUsers: 4, available: 2, usagePercent: 50 })
  const active = await get(app, '/api/licenses/active-sessions', admin.headers)
  t.equal(active.statusCode, 200)
  t.same(active.json().map((s: { sessionId: string }) => s.sessionId).sort(), [grants[0].sessionId, grants[1].sessionId].sort())
  t.match(active.json()[0], { userId: String, email: /@example\.test$/, deviceId: /^device-/, createdAt: String, lastSeenAt: String })
  t.equal((await get(app, '/api/licenses/active-sessions', users[0]!.headers)).statusCode, 403, 'users are not admins')
})

t.test('refusals in the contract\'s order with its codes; a heartbeat ends a seat whose license or user stopped passing', async (t) => {
  const clock = testClock()
  const testApp = await buildTestApp(t, { now: clock.now })
  const { app, db } = testApp
  const admin = await createTestUser(testApp, { role: 'admin' })

  // FEATURE_NOT_LICENSED: a Basic license has no webrtc_extension.
  const basic = await licenseWithSeats(testApp, 2, { licenseTypeId: 1 })
  const a = await createTestUser(testApp)
  t.same(pick((await createSession(app, a.headers, 'a')).json()), refusal('FEATURE_NOT_LICENSED'))
  await db.deleteFrom('serverLicenses').where('id', '=', basic.id).execute()

  // NO_ALLOCATION beats USER_NOT_ALLOCATED.
  const pro = await licenseWithSeats(testApp, 3)
  const disabled = await createTestUser(testApp, { webrtcEnabled: false })
  t.same(pick((await createSession(app, disabled.headers, 'd')).json()), refusal('USER_NOT_ALLOCATED'))
  const seat = (await createSession(app, a.headers, 'a')).json()
  t.equal((await post(app, '/api/licenses/validate-session', a.headers, { sessionId: seat.sessionId })).json().valid, true)
  t.equal((await app.inject({ method: 'PUT', url: `/api/licenses/${pro.id}/webrtc-allocation`, headers: admin.headers, payload: { webrtcMaxUsers: 0 } })).statusCode, 200)
  t.same(pick((await createSession(app, disabled.headers, 'd')).json()), refusal('NO_ALLOCATION'))
  const lost = (await validateSession(app, a.headers, seat.sessionId)).json()
  t.same(lost, { valid: false, ...refusal('NO_ALLOCATION') }, 'the heartbeat answers why')
  t.equal((await db.selectFrom('clientSessions').select('endReason').where('id', '=', seat.sessionId).executeTakeFirstOrThrow()).endReason, 'allocation')
  t.same((await validateSession(app, a.headers, seat.sessionId)).json(), { valid: false, ...refusal('SESSION_NOT_FOUND') }, 'and the seat is gone')
})

const externalLicense = (testApp: TestApp, overrides: Partial<NewServerLicense>) => insertLicense(testApp.db, {
  source: 'external', externalId: 'ext-1', tenantId: testApp.defaults.tenant.id, organizationName: 'Acme',
  serverFingerprint: testApp.defaults.tenant.fingerprint, status: 'active', maxUsers: 25, webrtcMaxUsers: 25, webrtcAllocation: null,
  licenseTypeId: 3, features: JSON.stringify({ webrtc_extension: true }), raw: null, signature: null, issuedAt: new Date(),
  expiresAt: null, lastSyncedAt: new Date(), withdrawnAt: null, ...overrides,
})

t.test('LICENSE_INACTIVE: a synced license the server suspended', async (t) => {
  const testApp = await buildTestApp(t)
  const a = await createTestUser(testApp)
  await externalLicense(testApp, { status: 'suspended' })
  const res = await createSession(testApp.app, a.headers, 'a')
  t.equal(res.statusCode, 403)
  t.same(pick(res.json()), refusal('LICENSE_INACTIVE'))
})

t.test('LICENSE_EXPIRED: a license that expires under a live seat ends it at the next heartbeat; license_expired once', async (t) => {
  const clock = testClock()
  const testApp = await buildTestApp(t, { now: clock.now })
  const { app, db } = testApp
  await externalLicense(testApp, { expiresAt: new Date(clock.at + 60_000) })
  const b = await createTestUser(testApp)
  const seat = (await createSession(app, b.headers, 'b')).json()
  t.equal(seat.webrtcMaxUsers, 25, 'the synced license is in force')
  clock.advance(61)
  await invalidateLicenseCache(app.licensing, testApp.defaults.tenant.id)
  t.same((await validateSession(app, b.headers, seat.sessionId)).json(), { valid: false, ...refusal('LICENSE_EXPIRED') })
  t.same(pick((await createSession(app, b.headers, 'b')).json()), refusal('LICENSE_EXPIRED'))
  t.equal((await storedEvents(testApp, 'license_expired')).length, 1, 'license_expired once')
  t.equal((await db.selectFrom('clientSessions').select('endReason').where('id', '=', seat.sessionId).executeTakeFirstOrThrow()).endReason, 'expired')
  t.same((await get(app, '/api/licenses/session-count', b.headers)).json().activeSessions, 0, 'the seat is free')
})

import t from 'tap'
import { userLimitMessage } from '@license-hub/contract'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestTenant, createTestUser } from '../../../test/helpers/users.js'
import { createSession, endSession, get, licenseWithSeats, put, storedEvents, validateSession } from './helpers/seats.js'

t.test('lowering the allocation below the live count keeps live seats, refuses new ones and reports usage_limit_exceeded', async (t) => {
  const testApp = await buildTestApp(t)
  const { app } = testApp
  const license = await licenseWithSeats(testApp, 5)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const users = await Promise.all(Array.from({ length: 4 }, () => createTestUser(testApp)))
  const seats = []
  for (const user of users.slice(0, 3)) seats.push((await createSession(app, user.headers, 'd')).json())

  t.same((await get(app, `/api/licenses/${license.id}/webrtc-sessions`, admin.headers)).json(), { webrtc_max_users: 5, activeSessions: 3 })
  const lowered = await put(app, `/api/licenses/${license.id}/webrtc-allocation`, admin.headers, { webrtcMaxUsers: 2 })
  t.equal(lowered.statusCode, 200)
  t.same(lowered.json(), { licenseId: license.id, maxUsers: 25, webrtcAllocation: 2, webrtcMaxUsers: 2, activeSessions: 3 })
  t.match((await storedEvents(testApp, 'usage_limit_exceeded'))[0]?.data, { activeSessions: 3, webrtcMaxUsers: 2, severity: 'error' })
  t.same((await storedEvents(testApp, 'license_updated')).map((e) => e.data.changes), [['webrtcMaxUsers']], 'clients are told the allocation in force changed')
  t.equal((await get(app, '/api/licenses/current', users[0]!.headers)).json().webrtcMaxUsers, 2, 'the license cache was invalidated')

  for (const [i, seat] of seats.entries()) {
    const beat = (await validateSession(app, users[i]!.headers, seat.sessionId)).json()
    t.match(beat, { valid: true, activeSessions: 3, webrtcMaxUsers: 2 }, 'a heartbeat keeps a live seat over the allocation')
  }
  const refused = await createSession(app, users[3]!.headers, 'd')
  t.equal(refused.statusCode, 403)
  t.same({ code: refused.json().code, message: refused.json().message }, { code: 'USER_LIMIT_REACHED', message: userLimitMessage(2) })

  await endSession(app, users[0]!.headers, seats[0].sessionId)
  t.equal((await createSession(app, users[3]!.headers, 'd')).statusCode, 403, 'still at the new allocation')
  await endSession(app, users[1]!.headers, seats[1].sessionId)
  t.equal((await createSession(app, users[3]!.headers, 'd')).statusCode, 201, 'below it again')
})

t.test('the allocation: 0 ≤ n ≤ max_users, the smaller of the server\'s and the admin\'s is in force, admin only, own tenant only', async (t) => {
  const testApp = await buildTestApp(t)
  const { app } = testApp
  const license = await licenseWithSeats(testApp, 5) // the server's webrtc_max_users: 5 of max_users 25
  const admin = await createTestUser(testApp, { role: 'admin' })
  const user = await createTestUser(testApp)
  const url = `/api/licenses/${license.id}/webrtc-allocation`

  for (const body of [{ webrtcMaxUsers: 26 }, { webrtcMaxUsers: -1 }, { webrtcMaxUsers: 1.5 }, { webrtcMaxUsers: 'ten' }, {}]) {
    const res = await put(app, url, admin.headers, body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.equal(res.json().code, 'VALIDATION_ERROR')
    t.match(res.json().message, 'webrtcMaxUsers')
  }
  t.equal((await put(app, '/api/licenses/not-a-uuid/webrtc-allocation', admin.headers, { webrtcMaxUsers: 1 })).statusCode, 400)
  t.match((await put(app, url, admin.headers, { webrtcMaxUsers: 25 })).json(), { webrtcAllocation: 25, webrtcMaxUsers: 5 }, 'the server\'s 5 caps the admin\'s 25')
  t.match((await put(app, url, admin.headers, { webrtcMaxUsers: 3 })).json(), { webrtcAllocation: 3, webrtcMaxUsers: 3 })
  t.equal((await get(app, '/api/licenses/session-count', user.headers)).json().webrtcMaxUsers, 3)

  t.equal((await put(app, url, user.headers, { webrtcMaxUsers: 1 })).json().code, 'FORBIDDEN')
  t.equal((await get(app, `/api/licenses/${license.id}/webrtc-sessions`, user.headers)).statusCode, 403)
  const other = await createTestTenant(testApp)
  const otherAdmin = await createTestUser(testApp, { tenantId: other.id, role: 'admin' })
  for (const res of [
    await put(app, url, otherAdmin.headers, { webrtcMaxUsers: 1 }),
    await get(app, `/api/licenses/${license.id}/webrtc-sessions`, otherAdmin.headers),
    await get(app, `/api/licenses/${license.id}/users`, otherAdmin.headers),
    await put(app, `/api/licenses/${license.id}/users/${user.user.id}/webrtc`, otherAdmin.headers, { enabled: false }),
  ]) {
    t.equal(res.statusCode, 404, 'another tenant\'s license does not exist')
  }
  t.equal((await get(app, '/api/licenses/session-count', user.headers)).json().webrtcMaxUsers, 3, 'unchanged by the other tenant')
})

t.test('per-user WebRTC access: users with online, disabling ends the live seat (revoked) and refuses new ones', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, db } = testApp
  const license = await licenseWithSeats(testApp, 5)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const [alice, bob] = [await createTestUser(testApp), await createTestUser(testApp)]
  const seat = (await createSession(app, alice.headers, 'laptop')).json()

  const list = (await get(app, `/api/licenses/${license.id}/users`, admin.headers)).json() as Array<{ id: string; webrtcEnabled: boolean; online: boolean }>
  t.equal(list.length, 4, 'the tenant\'s users: the ensured admin, ours and the two')
  t.match(list.find((u) => u.id === alice.user.id), { webrtcEnabled: true, online: true, email: alice.user.email, role: 'user' })
  t.match(list.find((u) => u.id === bob.user.id), { webrtcEnabled: true, online: false })

  const off = await put(app, `/api/licenses/${license.id}/users/${alice.user.id}/webrtc`, admin.headers, { enabled: false })
  t.equal(off.statusCode, 200)
  t.match(off.json(), { id: alice.user.id, webrtcEnabled: false, online: false })
  const row = await db.selectFrom('clientSessions').selectAll().where('id', '=', seat.sessionId).executeTakeFirstOrThrow()
  t.equal(row.endReason, 'revoked')
  t.match((await storedEvents(testApp, 'session_ended'))[0]?.data, { sessionId: seat.sessionId, reason: 'revoked', userId: alice.user.id })
  t.equal((await validateSession(app, alice.headers, seat.sessionId)).json().valid, false)
  t.equal((await createSession(app, alice.headers, 'laptop')).json().code, 'USER_NOT_ALLOCATED')
  t.equal((await get(app, `/api/licenses/${license.id}/webrtc-sessions`, admin.headers)).json().activeSessions, 0)

  t.match((await put(app, `/api/licenses/${license.id}/users/${alice.user.id}/webrtc`, admin.headers, { enabled: true })).json(), { webrtcEnabled: true })
  t.equal((await createSession(app, alice.headers, 'laptop')).statusCode, 201, 'enabled again')

  const other = await createTestTenant(testApp)
  const stranger = await createTestUser(testApp, { tenantId: other.id })
  t.equal((await put(app, `/api/licenses/${license.id}/users/${stranger.user.id}/webrtc`, admin.headers, { enabled: false })).statusCode, 404, 'a user of another tenant')
  t.equal((await put(app, `/api/licenses/${license.id}/users/${crypto.randomUUID()}/webrtc`, admin.headers, { enabled: false })).statusCode, 404)
  t.equal((await put(app, `/api/licenses/${license.id}/users/${bob.user.id}/webrtc`, admin.headers, { enabled: 'no' })).statusCode, 400)
  t.equal((await createSession(app, stranger.headers, 's')).statusCode, 201, 'the stranger was not touched')
})

t.test('the :id routes do not shadow the fixed paths', async (t) => {
  const testApp = await buildTestApp(t)
  const { app } = testApp
  const admin = await createTestUser(testApp, { role: 'admin' })
  t.equal((await get(app, '/api/licenses/session-count', admin.headers)).statusCode, 200)
  t.equal((await get(app, '/api/licenses/active-sessions', admin.headers)).statusCode, 200)
  t.equal((await get(app, '/api/licenses/current', admin.headers)).statusCode, 200)
  t.equal((await get(app, '/api/licenses/types', admin.headers)).statusCode, 200)
  t.equal((await put(app, `/api/licenses/${crypto.randomUUID()}`, admin.headers, {})).statusCode, 501, 'the legacy PUT :id is still there')
  t.equal((await get(app, `/api/licenses/${crypto.randomUUID()}/webrtc-sessions`, admin.headers)).statusCode, 404)
})

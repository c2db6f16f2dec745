import t from 'tap'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'
import { connect, type TestSocket } from '../../../test/ws/ws-client.js'
import { createSession, licenseWithSeats, put, testClock, validateSession } from './helpers/seats.js'

/** The next message of `type` on a socket, skipping other events of the tenant. */
async function nextOfType(socket: TestSocket, type: string) {
  for (;;) {
    const message = await socket.next()
    if (message.type === type) return message
  }
}
const nextSessionEnded = (socket: TestSocket) => nextOfType(socket, 'session_ended')

t.test('a lapse found by the heartbeat is told to the user\'s other connection (reason expired)', async (t) => {
  const clock = testClock()
  const testApp = await buildTestApp(t, { now: clock.now })
  await licenseWithSeats(testApp, 3)
  const alice = await createTestUser(testApp)
  const popup = await connect(t, testApp.app, { token: alice.token })
  const { sessionId } = (await createSession(testApp.app, alice.headers, 'laptop')).json()

  clock.advance(testApp.config.sessionLeaseSec + 1)
  t.match((await validateSession(testApp.app, alice.headers, sessionId)).json(), { valid: false, code: 'SESSION_NOT_FOUND' }, 'the device hears it in the answer')
  const told = await nextSessionEnded(popup)
  t.match(told.data, { sessionId, reason: 'expired', severity: 'info' }, 'its popup hears it too')
})

t.test('a license that no longer licenses the extension, found by the heartbeat, is told to the other connection (reason revoked)', async (t) => {
  const testApp = await buildTestApp(t)
  await licenseWithSeats(testApp, 3)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const alice = await createTestUser(testApp)
  const bob = await createTestUser(testApp)
  const popup = await connect(t, testApp.app, { token: alice.token })
  const bobSocket = await connect(t, testApp.app, { token: bob.token })
  const { sessionId } = (await createSession(testApp.app, alice.headers, 'laptop')).json()

  // A Basic license (no webrtc_extension) now applies; the node learns it from the change events.
  const basic = await testApp.app.inject({ method: 'POST', url: '/api/licenses/generate', headers: admin.headers, payload: { organizationName: 'Seat Co', licenseTypeId: 1 } })
  t.equal(basic.statusCode, 201)
  await nextOfType(popup, 'module_deactivated')
  t.match((await validateSession(testApp.app, alice.headers, sessionId)).json(), { valid: false, code: 'FEATURE_NOT_LICENSED' }, 'the device hears it in the answer')
  t.match((await nextSessionEnded(popup)).data, { sessionId, reason: 'revoked', severity: 'warning' }, 'its popup hears it too')
  bobSocket.send({ type: 'ping' })
  await nextOfType(bobSocket, 'pong')
  t.notOk(bobSocket.received.some((m) => m.type === 'session_ended'), 'another user hears nothing of it')
})

t.test('an allocation lowered to 0 ends the seat at its heartbeat, told to the other connection (reason allocation)', async (t) => {
  const testApp = await buildTestApp(t)
  const license = await licenseWithSeats(testApp, 3)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const alice = await createTestUser(testApp)
  const popup = await connect(t, testApp.app, { token: alice.token })
  const { sessionId } = (await createSession(testApp.app, alice.headers, 'laptop')).json()

  t.equal((await put(testApp.app, `/api/licenses/${license.id}/webrtc-allocation`, admin.headers, { webrtcMaxUsers: 0 })).statusCode, 200)
  await nextOfType(popup, 'license_updated')
  t.match((await validateSession(testApp.app, alice.headers, sessionId)).json(), { valid: false, code: 'NO_ALLOCATION' })
  t.match((await nextSessionEnded(popup)).data, { sessionId, reason: 'allocation', severity: 'warning' })
  const row = await testApp.db.selectFrom('clientSessions').select('endReason').where('id', '=', sessionId).executeTakeFirstOrThrow()
  t.equal(row.endReason, 'allocation')
})

import { createHmac, randomUUID } from 'node:crypto'
import t from 'tap'
import { changePassword, changeRole } from '@license-hub/licensing'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestTenant, createTestUser } from '../../../test/helpers/users.js'
import { connect } from '../../../test/ws/ws-client.js'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
function hs256(payload: object, secret: string): string {
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}
const nowSec = () => Math.floor(Date.now() / 1000)

/** Every route that takes a token, with a body it accepts. */
const ROUTES: Array<[string, string, object?]> = [
  ['GET', '/api/licenses/current'], ['GET', '/api/licenses/session-count'], ['GET', '/api/licenses/'],
  ['GET', '/api/licenses/types'], ['GET', '/api/licenses/active-sessions'], ['GET', '/api/users'],
  ['POST', '/api/users', { email: 'new@example.test', password: 'long-enough-password', name: 'New' }],
  ['POST', '/api/licenses/create-session', { deviceId: 'd' }],
  ['POST', '/api/licenses/validate-session', { sessionId: randomUUID() }],
  ['POST', '/api/licenses/end-session', { sessionId: randomUUID() }],
  ['POST', '/api/licenses/generate', { organizationName: 'O', licenseTypeId: 2 }],
  ['GET', '/api/ws/stats'], ['POST', '/api/licenses/sync', {}],
]

t.test('signed tokens whose claims do not match a user of the record are 401 on every route, never a 500', async (t) => {
  const testApp = await buildTestApp(t)
  const { secrets } = testApp
  const admin = await createTestUser(testApp, { role: 'admin' })
  const other = await createTestTenant(testApp)
  const exp = nowSec() + 600
  const forged = {
    'ids that are not UUIDs': { id: 'admin', tenantId: 'tenant-1', role: 'admin', exp },
    'a user id that is not a UUID': { id: '1 or 1=1', tenantId: admin.user.tenantId, role: 'admin', exp },
    'a tenant that does not exist': { id: admin.user.id, tenantId: randomUUID(), role: 'admin', exp },
    'a user that does not exist': { id: randomUUID(), tenantId: admin.user.tenantId, role: 'admin', exp },
    'another tenant than the user\'s': { id: admin.user.id, tenantId: other.id, role: 'admin', exp },
    'a role the user does not have': { id: (await createTestUser(testApp)).user.id, tenantId: admin.user.tenantId, role: 'admin', exp },
    'an exp far past a token\'s lifetime': { id: admin.user.id, tenantId: admin.user.tenantId, role: 'admin', exp: 1e20 },
    'an exp a day away': { id: admin.user.id, tenantId: admin.user.tenantId, role: 'admin', exp: nowSec() + 24 * 3600 },
    'a negative token version': { id: admin.user.id, tenantId: admin.user.tenantId, role: 'admin', exp, tokenVersion: -1 },
    'a future token version': { id: admin.user.id, tenantId: admin.user.tenantId, role: 'admin', exp, tokenVersion: 3 },
  }
  for (const [name, claims] of Object.entries(forged)) {
    const headers = { authorization: `Bearer ${hs256(claims, secrets.jwtSecret)}` }
    for (const [method, url, payload] of ROUTES) {
      const res = await testApp.app.inject({ method: method as 'GET', url, headers, payload })
      t.equal(res.statusCode, 401, `${name}: ${method} ${url}`)
      t.equal(res.json().code, 'UNAUTHORIZED')
    }
  }
  const good = hs256({ id: admin.user.id, tenantId: admin.user.tenantId, role: 'admin', exp }, secrets.jwtSecret)
  t.equal((await testApp.app.inject({ method: 'GET', url: '/api/users', headers: { authorization: `Bearer ${good}` } })).statusCode, 200, 'a token without tokenVersion counts as version 0')
  const socket = await connect(t, testApp.app, { token: hs256(forged['a user that does not exist'], secrets.jwtSecret) })
  t.equal((await socket.closed).code, 1008, 'the WebSocket refuses it too')
})

t.test('a password or role change ends the user\'s older tokens; a new login works', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, db } = testApp
  const { user, headers, password } = await createTestUser(testApp, { role: 'admin' })
  const get = (h: Record<string, string>) => app.inject({ method: 'GET', url: '/api/users', headers: h })
  t.equal((await get(headers)).statusCode, 200)
  const socket = await connect(t, app, { token: headers.authorization.slice(7) })
  socket.send({ type: 'ping' })
  t.equal((await socket.next()).type, 'pong')

  await changePassword(app.licensing, user.tenantId, user.id, 'a brand new password')
  app.forgetTokenSubject(user.id)
  t.equal((await get(headers)).statusCode, 401, 'the token issued before the password change is refused')
  t.equal((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password } })).statusCode, 401, 'the old password is refused')
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: 'a brand new password' } })
  t.equal(login.statusCode, 200)
  const fresh = { authorization: `Bearer ${login.json().token}` }
  t.equal(app.jwt.decode<{ tokenVersion: number }>(login.json().token)!.tokenVersion, 1)
  t.equal((await get(fresh)).statusCode, 200, 'the new token works')
  t.equal((await (await connect(t, app, { token: headers.authorization.slice(7) })).closed).code, 1008, 'a new socket with the old token is refused')

  await changeRole(db, user.tenantId, user.id, 'user')
  app.forgetTokenSubject(user.id)
  t.equal((await get(fresh)).statusCode, 401, 'the admin token is refused once the role changed')
  const again = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: 'a brand new password' } })
  t.equal((await get({ authorization: `Bearer ${again.json().token}` })).statusCode, 403, 'a new token carries the new role')
  void socket
})

t.test('a deleted user\'s token stops working on the node that cached it within seconds', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, db } = testApp
  const { user, headers } = await createTestUser(testApp)
  t.equal((await app.inject({ method: 'GET', url: '/api/licenses/current', headers })).statusCode, 200)
  await db.deleteFrom('users').where('id', '=', user.id).execute()
  const deadline = Date.now() + 15_000
  let status = 200
  while (status === 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    status = (await app.inject({ method: 'GET', url: '/api/licenses/current', headers })).statusCode
  }
  t.equal(status, 401)
})

import t from 'tap'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestTenant, createTestUser } from '../../../test/helpers/users.js'

t.test('an admin creates a user who can then log in; no password or hash is returned', async (t) => {
  const testApp = await buildTestApp(t)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const res = await testApp.app.inject({
    method: 'POST', url: '/api/users', headers: admin.headers,
    payload: { email: 'New.User@Example.test', password: 'a long password', name: 'New User', webrtcEnabled: false },
  })
  t.equal(res.statusCode, 201)
  const created = res.json()
  t.match(created, { email: 'New.User@Example.test', name: 'New User', role: 'user', webrtcEnabled: false, tenantId: admin.user.tenantId })
  t.same(Object.keys(created).sort(), ['createdAt', 'email', 'id', 'name', 'role', 'tenantId', 'webrtcEnabled'])
  t.notMatch(res.body, /password|scrypt/i)

  const login = await testApp.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'new.user@example.test', password: 'a long password' } })
  t.equal(login.statusCode, 200)
  t.equal(login.json().user.id, created.id)
  t.equal(login.json().webrtc.code, 'USER_NOT_ALLOCATED')

  const list = await testApp.app.inject({ method: 'GET', url: '/api/users', headers: admin.headers })
  t.equal(list.statusCode, 200)
  const defaultAdmin = await testApp.db.selectFrom('users').select('id').where('email', '=', 'admin@example.test').executeTakeFirstOrThrow()
  t.same(list.json().map((u: { id: string }) => u.id).sort(), [defaultAdmin.id, admin.user.id, created.id].sort(), 'the tenant\'s users: the seeded admin, the caller, the new one')
  t.notMatch(list.body, /passwordHash|scrypt/)
})

t.test('a duplicate email is 409 CONFLICT, compared case-insensitively, across tenants', async (t) => {
  const testApp = await buildTestApp(t)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const other = await createTestTenant(testApp)
  const otherAdmin = await createTestUser(testApp, { role: 'admin', tenantId: other.id })
  const body = { email: 'dup@example.test', password: 'a long password', name: 'Dup' }
  t.equal((await testApp.app.inject({ method: 'POST', url: '/api/users', headers: admin.headers, payload: body })).statusCode, 201)
  for (const headers of [admin.headers, otherAdmin.headers]) {
    const res = await testApp.app.inject({ method: 'POST', url: '/api/users', headers, payload: { ...body, email: 'DUP@example.TEST' } })
    t.equal(res.statusCode, 409)
    t.equal(res.json().code, 'CONFLICT')
  }
})

t.test('created users belong to the admin\'s tenant and admin roles can be given', async (t) => {
  const testApp = await buildTestApp(t)
  const other = await createTestTenant(testApp)
  const otherAdmin = await createTestUser(testApp, { role: 'admin', tenantId: other.id })
  const res = await testApp.app.inject({
    method: 'POST', url: '/api/users', headers: otherAdmin.headers,
    payload: { email: 'boss@example.test', password: 'a long password', name: 'Boss', role: 'admin' },
  })
  t.equal(res.statusCode, 201)
  t.equal(res.json().tenantId, other.id)
  t.equal(res.json().role, 'admin')
  const defaultAdmin = await createTestUser(testApp, { role: 'admin' })
  const list = await testApp.app.inject({ method: 'GET', url: '/api/users', headers: defaultAdmin.headers })
  t.notOk(list.json().some((u: { email: string }) => u.email === 'boss@example.test'), 'invisible to another tenant')
})

t.test('bad user bodies are 400 VALIDATION_ERROR; anonymous callers 401 before validation', async (t) => {
  const testApp = await buildTestApp(t)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const good = { email: 'x@example.test', password: 'a long password', name: 'X' }
  for (const body of [{ ...good, email: 'nope' }, { ...good, password: 'short' }, { ...good, name: '' }, { ...good, role: 'root' }, { ...good, passwordHash: 'x' }, { email: good.email }]) {
    const res = await testApp.app.inject({ method: 'POST', url: '/api/users', headers: admin.headers, payload: body })
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.equal(res.json().code, 'VALIDATION_ERROR')
  }
  t.equal((await testApp.app.inject({ method: 'POST', url: '/api/users', payload: { email: 'nope' } })).statusCode, 401)
  t.equal((await testApp.app.inject({ method: 'GET', url: '/api/users' })).statusCode, 401)
})

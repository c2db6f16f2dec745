import { createHmac } from 'node:crypto'
import { Writable } from 'node:stream'
import t from 'tap'
import { insertTenant } from '@license-hub/db'
import { issueLocalLicense } from '@license-hub/licensing'
import { redisKeys } from '@license-hub/redis'
import { buildTestApp, type TestApp } from '../../../test/helpers/app.js'
import { createTestTenant, createTestUser } from '../../../test/helpers/users.js'
import { testRedis } from '@license-hub/test-support'

const login = (app: TestApp['app'], body: unknown, remoteAddress = '10.0.0.1') =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: body as object, remoteAddress })

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
function hs256(payload: object, secret: string, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const unsigned = `${b64(header)}.${b64(payload)}`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}
const nowSec = () => Math.floor(Date.now() / 1000)

t.test('login answers a token, the user, the license and the WebRTC verdict; the token works', async (t) => {
  const testApp = await buildTestApp(t)
  const { user, password } = await createTestUser(testApp, { email: 'Alice@Example.test', name: 'Alice' })
  const res = await login(testApp.app, { email: 'alice@EXAMPLE.test', password })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(body.user, { id: user.id, tenantId: user.tenantId, email: 'Alice@Example.test', name: 'Alice', role: 'user' })
  t.notOk('passwordHash' in body.user)
  t.equal(body.license.source, 'local')
  t.equal(body.license.licenseType.name, 'Developer')
  t.same(body.webrtc, { allowed: true })
  const current = await testApp.app.inject({ method: 'GET', url: '/api/licenses/current', headers: { authorization: `Bearer ${body.token}` } })
  t.equal(current.statusCode, 200)
  t.equal(current.json().id, body.license.id)
  const claims = testApp.app.jwt.decode<{ exp: number; iat: number; id: string; userId: string }>(body.token)!
  t.equal(claims.exp - claims.iat, 12 * 3600, 'tokens live 12 hours')
  t.equal(claims.id, user.id)
})

t.test('a wrong password and an unknown email get the same 401 answer', async (t) => {
  const testApp = await buildTestApp(t)
  const { user } = await createTestUser(testApp)
  const wrong = await login(testApp.app, { email: user.email, password: 'not the password' })
  const unknown = await login(testApp.app, { email: 'nobody@example.test', password: 'not the password' })
  t.equal(wrong.statusCode, 401)
  t.equal(unknown.statusCode, 401)
  const { statusCode, code, error, message } = wrong.json()
  t.same({ statusCode, code, error, message }, { statusCode: 401, code: 'INVALID_CREDENTIALS', error: 'Unauthorized', message: 'Invalid email or password' })
  t.same(unknown.json(), wrong.json())
})

t.test('malformed login bodies are 400 VALIDATION_ERROR naming the field', async (t) => {
  const { app } = await buildTestApp(t)
  for (const body of [{ password: 'x' }, { email: 'a@b', password: '' }, { email: 'no-at-sign', password: 'x' }, { email: 'a@b', password: 'x', client: 'desktop' }]) {
    const res = await login(app, body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.equal(res.json().code, 'VALIDATION_ERROR')
  }
  t.match((await login(app, { password: 'x' })).json().message, /email/)
})

t.test('5 failed logins for one email lock it out with 429 across two api nodes; malformed bodies do not count', async (t) => {
  const a = await buildTestApp(t)
  const b = await buildTestApp(t, { databaseUrl: a.databaseUrl, redisPrefix: a.redisPrefix })
  const { user, password } = await createTestUser(a)
  for (let i = 0; i < 10; i++) t.equal((await login(a.app, { email: user.email })).statusCode, 400)
  for (let i = 0; i < 5; i++) {
    const node = i % 2 === 0 ? a.app : b.app
    t.equal((await login(node, { email: user.email, password: `wrong-${i}` }, `10.0.1.${i}`)).statusCode, 401, `failure ${i + 1}`)
  }
  for (const node of [a.app, b.app]) {
    const res = await login(node, { email: user.email.toUpperCase(), password }, '10.0.2.1')
    t.equal(res.statusCode, 429, 'even the right password waits for the window')
    t.same(res.json(), { statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests', message: 'Too many failed login attempts. Please try again later' })
    t.ok(Number(res.headers['retry-after']) > 14 * 60 && Number(res.headers['retry-after']) <= 15 * 60)
  }
  const redis = testRedis(t)
  const ttl = await redis.pttl(`${redisKeys(a.redisPrefix).loginLimiter('email')}:${user.email.toLowerCase()}`)
  t.ok(ttl > 14 * 60_000 && ttl <= 15 * 60_000, 'the window is 15 minutes')
  const other = await createTestUser(a)
  t.equal((await login(b.app, { email: other.user.email, password: other.password }, '10.0.1.0')).statusCode, 200, 'other emails are unaffected')
})

t.test('30 failed logins from one address lock that address out', async (t) => {
  const { app, ...rest } = await buildTestApp(t)
  const { user, password } = await createTestUser({ app, ...rest })
  for (let i = 0; i < 30; i++) {
    t.equal((await login(app, { email: `nobody-${i}@example.test`, password: 'x' }, '10.9.9.9')).statusCode, 401)
  }
  t.equal((await login(app, { email: user.email, password }, '10.9.9.9')).statusCode, 429)
  t.equal((await login(app, { email: user.email, password }, '10.9.9.10')).statusCode, 200, 'another address still logs in')
})

t.test('client extension: license and WebRTC access are checked at login; web learns the verdict', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, db, secrets } = testApp

  const blocked = await createTestUser(testApp, { webrtcEnabled: false })
  const ext = await login(app, { email: blocked.user.email, password: blocked.password, client: 'extension' })
  t.equal(ext.statusCode, 403)
  t.equal(ext.json().code, 'USER_NOT_ALLOCATED')
  t.equal(ext.json().message, 'WebRTC Extension access is not enabled for your user')
  const web = await login(app, { email: blocked.user.email, password: blocked.password, client: 'web' })
  t.equal(web.statusCode, 200)
  t.same(web.json().webrtc, { allowed: false, code: 'USER_NOT_ALLOCATED', message: 'WebRTC Extension access is not enabled for your user' })

  const basicTenant = await createTestTenant(testApp, 'Basic Co')
  await issueLocalLicense(db, secrets.licensePrivateKey, { tenantId: basicTenant.id, organizationName: 'Basic Co', serverFingerprint: basicTenant.fingerprint, licenseTypeId: 1, expiresAt: null })
  const basic = await createTestUser(testApp, { tenantId: basicTenant.id })
  const refused = await login(app, { email: basic.user.email, password: basic.password, client: 'extension' })
  t.equal(refused.statusCode, 403)
  t.equal(refused.json().code, 'FEATURE_NOT_LICENSED', 'the feature check comes before the user check')

  const bare = await insertTenant(db, { name: 'No License', fingerprint: 'fp-no-license' })
  const none = await createTestUser(testApp, { tenantId: bare.id })
  const notFound = await login(app, { email: none.user.email, password: none.password, client: 'extension' })
  t.equal(notFound.statusCode, 404)
  t.equal(notFound.json().code, 'LICENSE_NOT_FOUND')
  const webNone = await login(app, { email: none.user.email, password: none.password })
  t.equal(webNone.statusCode, 200)
  t.equal(webNone.json().license, null)
  t.equal(webNone.json().webrtc.code, 'LICENSE_NOT_FOUND')

  const ok = await createTestUser(testApp)
  t.equal((await login(app, { email: ok.user.email, password: ok.password, client: 'extension' })).statusCode, 200)
})

t.test('tokens: `id` and `userId` both work; tampered, expired, unsigned and incomplete ones are 401', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, secrets } = testApp
  const { user } = await createTestUser(testApp)
  const base = { tenantId: user.tenantId, role: 'user', exp: nowSec() + 600 }
  const current = (token?: string) => app.inject({ method: 'GET', url: '/api/licenses/current', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })

  t.equal((await current(hs256({ ...base, id: user.id }, secrets.jwtSecret))).statusCode, 200, 'id')
  t.equal((await current(hs256({ ...base, userId: user.id }, secrets.jwtSecret))).statusCode, 200, 'userId')
  t.equal((await current(hs256({ ...base, userId: user.id, email: 'x', iss: 'old' }, secrets.jwtSecret))).statusCode, 200, 'extra claims are fine')

  const good = hs256({ ...base, id: user.id }, secrets.jwtSecret)
  const [header, , signature] = good.split('.')
  const refused = {
    missing: undefined,
    tampered: `${header}.${b64({ ...base, id: user.id, role: 'admin' })}.${signature}`,
    expired: hs256({ ...base, id: user.id, exp: nowSec() - 10 }, secrets.jwtSecret),
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...base, id: user.id })}.`,
    'other secret': hs256({ ...base, id: user.id }, 'another-secret-another-secret-another'),
    'no exp': hs256({ tenantId: user.tenantId, role: 'user', id: user.id }, secrets.jwtSecret),
    'no id': hs256(base, secrets.jwtSecret),
    'bad role': hs256({ ...base, id: user.id, role: 'root' }, secrets.jwtSecret),
    garbage: 'not-a-jwt',
  }
  for (const [name, token] of Object.entries(refused)) {
    const res = await current(token)
    t.equal(res.statusCode, 401, name)
    t.equal(res.json().code, 'UNAUTHORIZED', name)
  }
})

t.test('a user on an admin route is 403 FORBIDDEN', async (t) => {
  const testApp = await buildTestApp(t)
  const { headers } = await createTestUser(testApp)
  for (const [method, url] of [['GET', '/api/users'], ['POST', '/api/users'], ['GET', '/api/licenses/'], ['GET', '/api/licenses/types'], ['POST', '/api/licenses/generate']] as const) {
    const res = await testApp.app.inject({ method, url, headers, payload: method === 'POST' ? {} : undefined })
    t.equal(res.statusCode, 403, `${method} ${url}`)
    t.same(res.json(), { statusCode: 403, code: 'FORBIDDEN', error: 'Forbidden', message: 'Admin role required' })
  }
})

t.test('login logs its outcome but never the password or the token', async (t) => {
  const lines: string[] = []
  const logStream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done() } })
  const testApp = await buildTestApp(t, { env: { LOG_LEVEL: 'trace' }, logStream })
  const { user, password } = await createTestUser(testApp)
  await login(testApp.app, { email: user.email, password: 'wrong-secret-password' })
  const res = await login(testApp.app, { email: user.email, password, client: 'extension' })
  const { token } = res.json()
  await testApp.app.inject({ method: 'GET', url: '/api/licenses/current', headers: { authorization: `Bearer ${token}` } })
  const log = lines.join('')
  t.match(log, /"msg":"login"/, 'the login is logged')
  t.match(log, new RegExp(`"userId":"${user.id}"`))
  t.match(log, /"code":"INVALID_CREDENTIALS"/, 'the failure is logged')
  t.notMatch(log, password)
  t.notMatch(log, 'wrong-secret-password')
  t.notMatch(log, token)
  t.notMatch(log, token.split('.')[2]!)
})

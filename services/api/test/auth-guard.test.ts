import t from 'tap'
import { createHmac } from 'node:crypto'
import { Writable } from 'node:stream'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'

t.test('tokens carrying the user id as `id` or as `userId` are both accepted', async (t) => {
  const testApp = await buildTestApp(t, {
    beforeReady: (app) => { app.get('/probe', { preHandler: app.authenticate }, async (request) => request.user) },
  })
  const { app } = testApp
  const { user } = await createTestUser(testApp)
  const withId = app.jwt.sign({ id: user.id, tenantId: user.tenantId, role: 'user' } as never)
  const withUserId = app.jwt.sign({ userId: user.id, tenantId: user.tenantId, role: 'user' } as never)
  for (const token of [withId, withUserId]) {
    const res = await app.inject({ method: 'GET', url: '/probe', headers: { authorization: `Bearer ${token}` } })
    t.equal(res.statusCode, 200)
    const exp = (app.jwt.decode(token) as { exp: number }).exp
    t.same(res.json(), { id: user.id, tenantId: user.tenantId, role: 'user', tokenVersion: 0, tokenExpiresAt: exp * 1000 }, 'with the token\'s expiry, in ms')
  }
})

t.test('a refused token logs one warn line with its reason and never the token', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line))
      done()
    },
  })
  const testApp = await buildTestApp(t, { env: { LOG_LEVEL: 'info' }, logStream })
  const { app } = testApp
  const { user } = await createTestUser(testApp)
  // Signed by hand: the app's signer would replace an exp in the past with its own.
  const b64 = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url')
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ id: user.id, tenantId: user.tenantId, role: 'user', exp: Math.floor(Date.now() / 1000) - 60 })}`
  const expired = `${unsigned}.${createHmac('sha256', testApp.secrets.jwtSecret).update(unsigned).digest('base64url')}`
  const wrongRole = app.jwt.sign({ id: user.id, tenantId: user.tenantId, role: 'admin' } as never)
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'no token'], ['not-a-jwt', 'invalid token'], [expired, 'expired token'], [wrongRole, 'token no longer honoured'],
  ]
  for (const [token, reason] of cases) {
    const before = lines.length
    const res = await app.inject({ method: 'GET', url: '/api/licenses/current', headers: token ? { authorization: `Bearer ${token}` } : {} })
    t.equal(res.statusCode, 401, `${reason}: 401`)
    const refusals = lines.slice(before).filter((l) => l.msg === 'authentication refused')
    t.equal(refusals.length, 1, `${reason}: one refusal line`)
    t.equal(refusals[0]?.level, 40, `${reason}: at warn`)
    t.match(String(refusals[0]?.reason), reason, `${reason}: the reason is named`)
  }
  const text = JSON.stringify(lines)
  for (const token of [expired, wrongRole]) t.notOk(text.includes(token), 'no token in the log')
})

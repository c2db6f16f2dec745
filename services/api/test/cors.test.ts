import t from 'tap'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'

t.test('CORS: origins in ALLOWED_ORIGINS get a preflight answer and headers; others get none', async (t) => {
  const testApp = await buildTestApp(t, { env: { ALLOWED_ORIGINS: 'https://app.example.test, chrome-extension://abcdefghijklmnopabcdefghijklmnop' } })
  const { app } = testApp
  const user = await createTestUser(testApp)
  for (const origin of ['https://app.example.test', 'chrome-extension://abcdefghijklmnopabcdefghijklmnop']) {
    const preflight = await app.inject({
      method: 'OPTIONS', url: '/api/licenses/create-session',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    })
    t.equal(preflight.statusCode, 204, `${origin}: preflight answered`)
    t.equal(preflight.headers['access-control-allow-origin'], origin)
    t.match(String(preflight.headers['access-control-allow-methods']), /POST/)
    t.match(String(preflight.headers['access-control-allow-headers']), /authorization/)
    const real = await app.inject({ method: 'GET', url: '/api/licenses/current', headers: { origin, ...user.headers } })
    t.equal(real.statusCode, 200)
    t.equal(real.headers['access-control-allow-origin'], origin, 'the answer names the origin')
    t.match(String(real.headers['access-control-expose-headers']), /x-request-id/)
  }
  const error = await app.inject({ method: 'GET', url: '/api/licenses/current', headers: { origin: 'https://app.example.test' } })
  t.equal(error.statusCode, 401)
  t.equal(error.headers['access-control-allow-origin'], 'https://app.example.test', 'errors carry the header too, so the page can read them')

  const evil = await app.inject({
    method: 'OPTIONS', url: '/api/licenses/create-session',
    headers: { origin: 'https://evil.example.test', 'access-control-request-method': 'POST' },
  })
  t.notOk(evil.headers['access-control-allow-origin'], 'another origin: no CORS headers')
  const evilGet = await app.inject({ method: 'GET', url: '/api/licenses/current', headers: { origin: 'https://evil.example.test', ...user.headers } })
  t.notOk(evilGet.headers['access-control-allow-origin'])
})

t.test('CORS: without ALLOWED_ORIGINS no origin gets CORS headers', async (t) => {
  const testApp = await buildTestApp(t)
  const res = await testApp.app.inject({
    method: 'OPTIONS', url: '/api/licenses/current',
    headers: { origin: 'https://app.example.test', 'access-control-request-method': 'GET' },
  })
  t.equal(res.statusCode, 404, 'a preflight is refused')
  t.equal(res.json().code, 'NOT_FOUND', 'in the contract\'s error shape')
  t.notOk(res.headers['access-control-allow-origin'])
})

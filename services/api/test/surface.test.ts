import t from 'tap'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'
import { connect } from '../../../test/ws/ws-client.js'
import { securityHeaders } from '../src/plugins/security-headers.js'

t.test('security headers on API answers; /docs keeps working under its own CSP', async (t) => {
  const { app } = await buildTestApp(t)
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.headers['x-content-type-options'], 'nosniff')
  t.equal(health.headers['x-frame-options'], 'SAMEORIGIN')
  t.equal(health.headers['referrer-policy'], 'no-referrer')
  t.match(String(health.headers['strict-transport-security']), /max-age=\d+/)
  t.equal(health.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'")
  const error = await app.inject({ method: 'GET', url: '/api/users' })
  t.equal(error.statusCode, 401)
  t.equal(error.headers['x-content-type-options'], 'nosniff', 'errors carry them too')

  const page = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(page.statusCode, 200)
  t.match(page.body, /swagger/i)
  const csp = String(page.headers['content-security-policy'])
  t.match(csp, /script-src 'self'/, '/docs has a CSP that lets its own scripts run')
  t.notMatch(csp, /default-src 'none'/)
  const script = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
  t.equal(script.statusCode, 200, 'the UI assets load')
  t.equal((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200)
})

t.test('every answer carries the JSON API\'s header set, worked out once, and its request id', async (t) => {
  const { app } = await buildTestApp(t)
  const expected = securityHeaders()
  t.same(Object.keys(expected).sort(), ['content-security-policy', 'cross-origin-resource-policy', 'referrer-policy',
    'strict-transport-security', 'x-content-type-options', 'x-frame-options'], 'the OWASP set, no HTML-document headers')
  for (const url of ['/health', '/api/licenses/current', '/no-such-route']) {
    const res = await app.inject({ method: 'GET', url, headers: { 'x-request-id': `probe-${url}` } })
    for (const [name, value] of Object.entries(expected)) t.equal(res.headers[name], value, `${url}: ${name}`)
    t.equal(res.headers['x-powered-by'], undefined)
    t.equal(res.headers['x-request-id'], `probe-${url}`, `${url}: the request id is echoed`)
  }
})

t.test('/metrics names no tenant unless METRICS_TENANT_LABELS=true', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  await connect(t, testApp.app, { token })
  const metrics = await testApp.app.inject({ method: 'GET', url: '/metrics' })
  t.equal(metrics.statusCode, 200)
  t.match(metrics.body, /^license_hub_ws_connections \d+$/m, 'node totals are there')
  t.notMatch(metrics.body, testApp.defaults.tenant.id, 'no tenant id')
  t.notMatch(metrics.body, /tenant_id=/)
})

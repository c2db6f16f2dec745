import t from 'tap'
import { buildTestApp } from '../../../test/helpers/app.js'

t.test('GET /health answers while the process is up', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('a request id is taken from x-request-id and echoed back', async (t) => {
  const { app } = await buildTestApp(t)
  const given = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'req-abc-123' } })
  t.equal(given.headers['x-request-id'], 'req-abc-123')
  const generated = await app.inject({ method: 'GET', url: '/health' })
  t.match(generated.headers['x-request-id'], /^[0-9a-f-]{36}$/)
})

t.test('GET /ready checks Postgres and Redis', async (t) => {
  const { app } = await buildTestApp(t)
  const ok = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { status: 'ok', postgres: 'up', redis: 'up' })

  app.redis.disconnect()
  const down = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(down.statusCode, 503, 'unreachable Redis fails readiness')
  t.match(down.json(), { redis: 'down', postgres: 'up' })
})

t.test('unknown routes are 404 in the contract\'s error shape', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/api/nope' })
  t.equal(res.statusCode, 404)
  t.match(res.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Not Found' })
})

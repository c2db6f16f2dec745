import t from 'tap'
import { Writable } from 'node:stream'
import { buildTestApp } from '../helpers/app.js'
import { createTestUser } from '../helpers/users.js'
import { connect, refusedStatus } from './ws-client.js'

function logLines() {
  let raw = ''
  const stream = new Writable({ write(chunk, _encoding, done) { raw += chunk.toString(); done() } })
  const lines = () => raw.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)
  return { stream, raw: () => raw, refusals: () => lines().filter((l) => l.msg === 'WebSocket refused') }
}

t.test('every WebSocket refusal logs at warn with its reason, never the token', async (t) => {
  const log = logLines()
  const testApp = await buildTestApp(t, { env: { LOG_LEVEL: 'info', ALLOWED_ORIGINS: 'chrome-extension://ours' }, logStream: log.stream, wsHub: { maxConnectionsPerTenant: 1 } })
  const { app } = testApp
  const alice = await createTestUser(testApp)
  const origin = { origin: 'chrome-extension://ours' }
  const expired = app.jwt.sign({ id: alice.user.id, userId: alice.user.id, tenantId: alice.user.tenantId, role: 'user' }, { expiresIn: -10 })
  const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzZWNyZXQiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA'

  t.equal((await (await connect(t, app, { client: { headers: origin } })).closed).code, 1008)
  t.equal((await (await connect(t, app, { token: expired, client: { headers: origin } })).closed).code, 1008)
  t.equal((await (await connect(t, app, { token: forged, client: { headers: origin } })).closed).code, 1008)
  t.equal(await refusedStatus(app, `/ws/license?token=${alice.token}`, { origin: 'https://evil.example' }), 403)
  const first = await connect(t, app, { token: alice.token, client: { headers: origin } })
  const capped = await connect(t, app, { token: alice.token, client: { headers: origin } })
  t.equal((await capped.closed).code, 1013)

  const reasons = log.refusals().map((l) => [l.level, l.reason])
  t.same(reasons, [[40, 'no token'], [40, 'expired token'], [40, 'invalid token'], [40, 'origin not allowed'], [40, 'tenant-full']])
  for (const secret of [alice.token, expired, forged]) t.notOk(log.raw().includes(secret), 'no token in any log line')
  t.ok(log.raw().includes('"msg":"WebSocket connected"'), 'a connect is logged at info')
  first.ws.close()
})

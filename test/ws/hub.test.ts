import t from 'tap'
import { Writable } from 'node:stream'
import { register } from 'prom-client'
import { usageEvent } from '@license-hub/core'
import { publishEvent } from '@license-hub/licensing'
import { buildTestApp } from '../helpers/app.js'
import { createTestTenant, createTestUser } from '../helpers/users.js'
import { connect, licenseExpired, refusedStatus, wsUrl } from './ws-client.js'

t.test('the server starts and accepts WebSocket upgrades on /ws/license', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  const socket = await connect(t, testApp.app, { token })
  t.equal(socket.ws.readyState, socket.ws.OPEN)
  t.equal(testApp.app.wsHub.hub.size, 1, 'the node keeps the connection')
})

t.test('an open socket holds neither its upgrade request nor its reply (memory per socket)', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  const socket = await connect(t, testApp.app, { token })
  const [client] = [...testApp.app.wsHub.hub.tenants.values()].flatMap((clients) => [...clients])
  const tcp = (client!.socket as unknown as { _socket: { _httpMessage?: unknown } })._socket
  t.equal(tcp._httpMessage, null, 'the response used to route the upgrade is let go')
  t.equal(client!.socket.listenerCount('error'), 1, 'one error listener, ours (the plugin\'s held the request and reply)')
  socket.send({ type: 'ping' })
  t.equal((await socket.next()).type, 'pong', 'and the socket works')
})

t.test('a connection without a token, or with a bad one, is closed at once with 1008', async (t) => {
  const testApp = await buildTestApp(t)
  const { user } = await createTestUser(testApp)
  const none = await connect(t, testApp.app)
  t.equal((await none.closed).code, 1008)
  const forged = await connect(t, testApp.app, { token: 'not-a-jwt' })
  t.equal((await forged.closed).code, 1008)
  const otherSecret = testApp.app.jwt.sign({ id: user.id, userId: user.id, tenantId: user.tenantId, role: 'user' }, { key: 'another-secret-another-secret-another!' })
  t.equal((await (await connect(t, testApp.app, { token: otherSecret })).closed).code, 1008, 'a token signed with another secret')
  t.equal(testApp.app.wsHub.hub.size, 0)
})

t.test('a valid token is accepted, from the query or from the bearer subprotocol, which is echoed', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  const byQuery = await connect(t, testApp.app, { token })
  byQuery.send({ type: 'ping' })
  t.equal((await byQuery.next()).type, 'pong')

  const byProtocol = await connect(t, testApp.app, { protocols: [`bearer.${token}`] })
  t.equal(byProtocol.ws.protocol, `bearer.${token}`, 'the selected subprotocol is echoed')
  byProtocol.send({ type: 'ping' })
  t.equal((await byProtocol.next()).type, 'pong')
  t.equal(testApp.app.wsHub.hub.size, 2)
})

t.test('an app-level ping is answered with a pong and a timestamp', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  const socket = await connect(t, testApp.app, { token })
  socket.send({ type: 'ping' })
  const pong = await socket.next()
  t.same(Object.keys(pong).sort(), ['timestamp', 'type'])
  t.equal(pong.type, 'pong')
  t.ok(!Number.isNaN(Date.parse(String(pong.timestamp))))
  socket.ws.send('not json')
  socket.send({ type: 'something-else' })
  socket.send({ type: 'ping' })
  t.equal((await socket.next()).type, 'pong', 'other messages are ignored and the socket stays usable')
})

t.test('license_expired is broadcast to the tenant in the contract\'s message shape', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  const socket = await connect(t, testApp.app, { token })
  const tenantId = testApp.defaults.tenant.id
  const published = await publishEvent(testApp.app.licensing, tenantId, licenseExpired())
  const message = await socket.next()
  t.same(Object.keys(message).sort(), ['data', 'id', 'tenantId', 'timestamp', 'type'])
  t.same(message, { id: published.id, type: 'license_expired', tenantId, timestamp: published.timestamp, data: published.data })
  t.match(message.data, { severity: 'error', message: 'Your license has expired' })
})

t.test('usage_limit_warning is broadcast to the tenant', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  const socket = await connect(t, testApp.app, { token })
  await publishEvent(testApp.app.licensing, testApp.defaults.tenant.id, usageEvent('usage_limit_warning', 4, 5))
  const message = await socket.next()
  t.equal(message.type, 'usage_limit_warning')
  t.match(message.data, { activeSessions: 4, webrtcMaxUsers: 5, usagePercent: 80, severity: 'warning' })
})

t.test('GET /api/ws/stats counts the caller\'s tenant; the same figures are in /metrics', async (t) => {
  const testApp = await buildTestApp(t, { env: { METRICS_TENANT_LABELS: 'true' } })
  const { app } = testApp
  const admin = await createTestUser(testApp, { role: 'admin' })
  const user = await createTestUser(testApp)
  const other = await createTestTenant(testApp)
  const outsider = await createTestUser(testApp, { tenantId: other.id })
  const tenantId = testApp.defaults.tenant.id

  const empty = await app.inject({ method: 'GET', url: '/api/ws/stats', headers: admin.headers })
  t.equal(empty.statusCode, 200)
  t.same(empty.json(), { totalTenants: 0, totalConnections: 0, tenantConnections: { [tenantId]: 0 } })

  await connect(t, app, { token: user.token })
  const second = await connect(t, app, { token: admin.token })
  await connect(t, app, { token: outsider.token })
  const stats = await app.inject({ method: 'GET', url: '/api/ws/stats', headers: admin.headers })
  t.same(stats.json(), { totalTenants: 1, totalConnections: 2, tenantConnections: { [tenantId]: 2 } }, 'another tenant is neither counted nor named')

  const forbidden = await app.inject({ method: 'GET', url: '/api/ws/stats', headers: user.headers })
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.json().code, 'FORBIDDEN')
  t.equal((await app.inject({ method: 'GET', url: '/api/ws/stats' })).statusCode, 401)

  const gauge = register.getSingleMetric('license_hub_ws_connections')
  t.equal((await gauge?.get())?.values[0]?.value, 3, 'the node-level gauge counts every tenant')
  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(metrics.statusCode, 200)
  t.match(metrics.body, /^license_hub_ws_connections 3$/m)
  t.match(metrics.body, /^license_hub_ws_tenants 2$/m)
  t.match(metrics.body, new RegExp(`^license_hub_ws_tenant_connections\\{tenant_id="${tenantId}"\\} 2$`, 'm'))

  second.ws.close()
  await second.closed
  const after = await app.inject({ method: 'GET', url: '/api/ws/stats', headers: admin.headers })
  t.equal(after.json().totalConnections, 1, 'a closed connection is no longer counted')
})

t.test('several clients of one tenant all receive each event once', async (t) => {
  const testApp = await buildTestApp(t)
  const users = await Promise.all([1, 2, 3].map(() => createTestUser(testApp)))
  const sockets = await Promise.all([...users, users[0]!].map(({ token }) => connect(t, testApp.app, { token })))
  const first = await publishEvent(testApp.app.licensing, testApp.defaults.tenant.id, licenseExpired())
  const second = await publishEvent(testApp.app.licensing, testApp.defaults.tenant.id, usageEvent('usage_limit_warning', 1, 1))
  for (const socket of sockets) {
    t.equal((await socket.next()).id, first.id)
    t.equal((await socket.next()).id, second.id, 'no duplicate between the two')
  }
})

t.test('session_ended reaches only the connections of the user whose session ended, without userId', async (t) => {
  const testApp = await buildTestApp(t)
  const tenantId = testApp.defaults.tenant.id
  const owner = await createTestUser(testApp)
  const colleague = await createTestUser(testApp)
  const ownerSockets = await Promise.all([1, 2].map(() => connect(t, testApp.app, { token: owner.token })))
  const colleagueSocket = await connect(t, testApp.app, { token: colleague.token })
  const ended = await publishEvent(testApp.app.licensing, tenantId, {
    type: 'session_ended', data: { sessionId: crypto.randomUUID(), reason: 'forced', severity: 'warning', message: 'Signed in elsewhere' },
  }, owner.user.id)
  for (const socket of ownerSockets) {
    const message = await socket.next()
    t.equal(message.id, ended.id)
    t.equal(message.type, 'session_ended')
    t.notOk('userId' in message || 'userId' in (message.data ?? {}), 'the user id is not sent')
  }
  const broadcast = await publishEvent(testApp.app.licensing, tenantId, licenseExpired())
  t.equal((await colleagueSocket.next()).id, broadcast.id, 'the colleague\'s first message is the later tenant-wide event')
})

t.test('an Origin outside ALLOWED_ORIGINS is refused before the upgrade', async (t) => {
  const testApp = await buildTestApp(t, { env: { ALLOWED_ORIGINS: 'chrome-extension://abcdefgh' } })
  const { token } = await createTestUser(testApp)
  t.equal(await refusedStatus(testApp.app, `/ws/license?token=${token}`, { origin: 'https://evil.example' }), 403)
  t.equal(await refusedStatus(testApp.app, `/ws/license?token=${token}`), 403, 'no Origin at all is not one of them either')
  const allowed = await connect(t, testApp.app, { token, client: { headers: { origin: 'chrome-extension://abcdefgh' } } })
  allowed.send({ type: 'ping' })
  t.equal((await allowed.next()).type, 'pong')
})

t.test('a token\'s expiry closes its socket with 1008, and only that socket', async (t) => {
  const testApp = await buildTestApp(t)
  const { user } = await createTestUser(testApp)
  const other = await createTestUser(testApp)
  const token = testApp.app.jwt.sign({ id: user.id, userId: user.id, tenantId: user.tenantId, role: 'user' }, { expiresIn: '2s' })
  const socket = await connect(t, testApp.app, { token })
  const lasting = await connect(t, testApp.app, { token: other.token })
  const opened = Date.now()
  t.equal((await socket.closed).code, 1008)
  t.ok(Date.now() - opened < 10_000, 'closed soon after the expiry (the hub sweeps every second), not at a ping 25 s on')
  t.equal(testApp.app.wsHub.hub.size, 1, 'the other socket stays')
  lasting.send({ type: 'ping' })
  t.equal((await lasting.next()).type, 'pong', 'and still answers')
})

t.test('connection caps per tenant and per node close the extra socket with 1013', async (t) => {
  const testApp = await buildTestApp(t, { wsHub: { maxConnectionsPerTenant: 2, maxConnectionsPerNode: 3 } })
  const { token } = await createTestUser(testApp)
  const other = await createTestTenant(testApp)
  const outsider = await createTestUser(testApp, { tenantId: other.id })
  await connect(t, testApp.app, { token })
  await connect(t, testApp.app, { token })
  t.equal((await (await connect(t, testApp.app, { token })).closed).code, 1013, 'the tenant\'s third')
  const third = await connect(t, testApp.app, { token: outsider.token })
  third.send({ type: 'ping' })
  t.equal((await third.next()).type, 'pong', 'another tenant still gets in')
  t.equal((await (await connect(t, testApp.app, { token: outsider.token })).closed).code, 1013, 'the node\'s fourth')
})

t.test('one user\'s token cannot take the tenant\'s cap: a per-user cap (WS_MAX_CONNECTIONS_PER_USER) closes its extra sockets with 1013', async (t) => {
  const testApp = await buildTestApp(t, { env: { WS_MAX_CONNECTIONS_PER_USER: '3', WS_MAX_CONNECTIONS_PER_TENANT: '5' } })
  const leaked = await createTestUser(testApp)
  const colleague = await createTestUser(testApp)
  const open = []
  for (let i = 0; i < 3; i++) open.push(await connect(t, testApp.app, { token: leaked.token }))
  for (let i = 0; i < 5; i++) t.equal((await (await connect(t, testApp.app, { token: leaked.token })).closed).code, 1013, `extra socket ${i + 1} of one user`)
  const mine = await connect(t, testApp.app, { token: colleague.token })
  mine.send({ type: 'ping' })
  t.equal((await mine.next()).type, 'pong', 'a colleague of the same tenant still connects')
  open[0]!.ws.close()
  await open[0]!.closed
  await new Promise((resolve) => setTimeout(resolve, 50))
  const again = await connect(t, testApp.app, { token: leaked.token })
  again.send({ type: 'ping' })
  t.equal((await again.next()).type, 'pong', 'a closed socket frees its place')
  t.equal(testApp.app.wsHub.hub.size, 4)
  const fifth = await connect(t, testApp.app, { token: (await createTestUser(testApp)).token })
  fifth.send({ type: 'ping' })
  t.equal((await fifth.next()).type, 'pong')
  t.equal((await (await connect(t, testApp.app, { token: (await createTestUser(testApp)).token })).closed).code, 1013, 'the tenant cap is set by WS_MAX_CONNECTIONS_PER_TENANT')
})

t.test('a connection that stops answering protocol pings is terminated; one that answers stays', async (t) => {
  const testApp = await buildTestApp(t, { wsHub: { pingIntervalMs: 100 } })
  const { token } = await createTestUser(testApp)
  const healthy = await connect(t, testApp.app, { token })
  const silent = await connect(t, testApp.app, { token, client: { autoPong: false } })
  t.equal((await silent.closed).code, 1006, 'cut off without a close frame')
  t.equal(healthy.ws.readyState, healthy.ws.OPEN)
  const event = await publishEvent(testApp.app.licensing, testApp.defaults.tenant.id, licenseExpired())
  t.equal((await healthy.next()).id, event.id)
})

t.test('tokens in the WebSocket URL never reach the log', async (t) => {
  let log = ''
  const logStream = new Writable({ write(chunk, _encoding, done) { log += chunk.toString(); done() } })
  const testApp = await buildTestApp(t, { env: { LOG_LEVEL: 'trace' }, logStream })
  const { token } = await createTestUser(testApp)
  const socket = await connect(t, testApp.app, { token })
  socket.send({ type: 'ping' })
  await socket.next()
  const bad = 'eyJhbGciOiJIUzI1NiJ9.eyJzZWNyZXQiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA'
  await (await connect(t, testApp.app, { token: bad })).closed
  const byProtocol = await connect(t, testApp.app, { protocols: [`bearer.${token}`] })
  byProtocol.ws.close()
  t.match(log, /\/ws\/license\?\[Redacted\]/, 'the request was logged, without its query string')
  t.notOk(log.includes(token), 'the valid token is not in the log')
  t.notOk(log.includes(bad), 'nor the invalid one')
  t.ok(await wsUrl(testApp.app))
})

import t from 'tap'
import { publishEvent } from '@license-hub/licensing'
import { buildTestApp } from '../helpers/app.js'
import { createTestTenant, createTestUser } from '../helpers/users.js'
import { connect, eventually, licenseExpired } from './ws-client.js'

/** Two api nodes on one database, one Redis and one key prefix, as behind the balancer. */
async function twoNodes(t: { teardown: (fn: () => unknown) => void }) {
  const a = await buildTestApp(t)
  const b = await buildTestApp(t, { databaseUrl: a.databaseUrl, redisPrefix: a.redisPrefix })
  return { a, b }
}

t.test('an event published once reaches its tenant\'s clients on both nodes and no other tenant\'s', async (t) => {
  const { a, b } = await twoNodes(t)
  const tenantId = a.defaults.tenant.id
  const other = await createTestTenant(a)
  const [u1, u2, u3] = await Promise.all([1, 2, 3].map(() => createTestUser(a)))
  const outsider = await createTestUser(a, { tenantId: other.id })
  const ours = [
    await connect(t, a.app, { token: u1!.token }),
    await connect(t, b.app, { token: u2!.token }),
    await connect(t, b.app, { token: u3!.token }),
  ]
  const theirs = [await connect(t, a.app, { token: outsider.token }), await connect(t, b.app, { token: outsider.token })]

  const event = await publishEvent(a.app.licensing, tenantId, licenseExpired())
  for (const socket of ours) t.same(await socket.next(), { id: event.id, type: 'license_expired', tenantId, timestamp: event.timestamp, data: event.data })

  const theirEvent = await publishEvent(b.app.licensing, other.id, licenseExpired())
  for (const socket of theirs) t.equal((await socket.next()).id, theirEvent.id, 'the other tenant\'s first message is its own event')
  for (const socket of ours) t.equal(socket.received.length, 1, 'and ours got nothing of theirs')
})

t.test('session_ended reaches that user\'s connections on every node and nobody else', async (t) => {
  const { a, b } = await twoNodes(t)
  const tenantId = a.defaults.tenant.id
  const owner = await createTestUser(a)
  const colleague = await createTestUser(a)
  const ownerSockets = [await connect(t, a.app, { token: owner.token }), await connect(t, b.app, { token: owner.token })]
  const colleagueSockets = [await connect(t, a.app, { token: colleague.token }), await connect(t, b.app, { token: colleague.token })]
  const ended = await publishEvent(b.app.licensing, tenantId, {
    type: 'session_ended', data: { sessionId: crypto.randomUUID(), reason: 'revoked', severity: 'warning', message: 'Access disabled' },
  }, owner.user.id)
  for (const socket of ownerSockets) t.equal((await socket.next()).id, ended.id)
  const broadcast = await publishEvent(a.app.licensing, tenantId, licenseExpired())
  for (const socket of colleagueSockets) t.equal((await socket.next()).id, broadcast.id, 'the colleague never saw it')
})

t.test('GET /api/ws/stats sums the tenant\'s connections over every node', async (t) => {
  const { a, b } = await twoNodes(t)
  const tenantId = a.defaults.tenant.id
  const admin = await createTestUser(a, { role: 'admin' })
  const other = await createTestTenant(a)
  const outsider = await createTestUser(a, { tenantId: other.id })
  await connect(t, a.app, { token: admin.token })
  const onB = await connect(t, b.app, { token: admin.token })
  await connect(t, b.app, { token: admin.token })
  await connect(t, b.app, { token: outsider.token })
  const stats = async (node: typeof a) => (await node.app.inject({ method: 'GET', url: '/api/ws/stats', headers: admin.headers })).json()
  const counted = await eventually(() => stats(a), (s) => s.totalConnections === 3)
  t.same(counted, { totalTenants: 1, totalConnections: 3, tenantConnections: { [tenantId]: 3 } })
  t.same(await stats(b), await stats(a), 'every node answers the same')

  onB.ws.close()
  await onB.closed
  t.equal((await eventually(() => stats(a), (s) => s.totalConnections === 2)).totalConnections, 2, 'a disconnect on one node shows on the other')
  await b.app.close()
  t.equal((await eventually(() => stats(a), (s) => s.totalConnections === 1)).totalConnections, 1, 'a node that shut down no longer counts')
})

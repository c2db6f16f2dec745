import t from 'tap'
import { usageEvent } from '@license-hub/core'
import { sql } from 'kysely'
import { publishEvent, publishEvents } from '@license-hub/licensing'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestTenant, createTestUser } from '../../../test/helpers/users.js'
import { connect } from '../../../test/ws/ws-client.js'

const usage = (n: number) => usageEvent('usage_limit_warning', n, 10)

t.test('GET /api/events pages a tenant\'s events oldest first, `after` exclusive, `next` until null', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, defaults } = testApp
  const admin = await createTestUser(testApp, { role: 'admin' })
  const ids: string[] = []
  for (let n = 1; n <= 5; n++) ids.push((await publishEvent(app.licensing, defaults.tenant.id, usage(n))).id)

  const all = (await app.inject({ method: 'GET', url: '/api/events', headers: admin.headers })).json()
  t.same(all.events.map((e: { id: string }) => e.id), ids, 'every event, oldest first, with the default limit')
  t.equal(all.next, null, 'nothing more')

  const first = (await app.inject({ method: 'GET', url: '/api/events?limit=2', headers: admin.headers })).json()
  t.same(first.events.map((e: { id: string }) => e.id), ids.slice(0, 2))
  t.equal(first.next, ids[1], 'next is the last id returned')
  const second = (await app.inject({ method: 'GET', url: `/api/events?limit=2&after=${first.next}`, headers: admin.headers })).json()
  t.same(second.events.map((e: { id: string }) => e.id), ids.slice(2, 4), '`after` is exclusive')
  const last = (await app.inject({ method: 'GET', url: `/api/events?limit=2&after=${second.next}`, headers: admin.headers })).json()
  t.same(last.events.map((e: { id: string }) => e.id), ids.slice(4))
  t.equal(last.next, null)
  const empty = (await app.inject({ method: 'GET', url: `/api/events?after=${ids[4]}`, headers: admin.headers })).json()
  t.same(empty, { events: [], next: null })

  for (const query of ['limit=0', 'limit=501', 'limit=x', 'after=abc', 'type=nope']) {
    const res = await app.inject({ method: 'GET', url: `/api/events?${query}`, headers: admin.headers })
    t.equal(res.statusCode, 400, query)
    t.equal(res.json().code, 'VALIDATION_ERROR', query)
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/events?limit=500', headers: admin.headers })).statusCode, 200, 'limit 500 is allowed')
})

t.test('the type filter, tenant isolation, and 403 for a user / 401 without a token', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, defaults } = testApp
  const admin = await createTestUser(testApp, { role: 'admin' })
  const user = await createTestUser(testApp)
  const other = await createTestTenant(testApp)
  const otherAdmin = await createTestUser(testApp, { role: 'admin', tenantId: other.id })
  await publishEvent(app.licensing, defaults.tenant.id, usage(8))
  const exceeded = await publishEvent(app.licensing, defaults.tenant.id, usageEvent('usage_limit_exceeded', 11, 10))
  const foreign = await publishEvent(app.licensing, other.id, usage(9))

  const filtered = (await app.inject({ method: 'GET', url: '/api/events?type=usage_limit_exceeded', headers: admin.headers })).json()
  t.same(filtered.events.map((e: { id: string }) => e.id), [exceeded.id], 'only the type asked for')
  const mine = (await app.inject({ method: 'GET', url: '/api/events', headers: admin.headers })).json()
  t.notOk(mine.events.some((e: { id: string }) => e.id === foreign.id), 'no event of another tenant')
  t.ok(mine.events.every((e: { tenantId: string }) => e.tenantId === defaults.tenant.id))
  const theirs = (await app.inject({ method: 'GET', url: '/api/events', headers: otherAdmin.headers })).json()
  t.same(theirs.events.map((e: { id: string }) => e.id), [foreign.id], 'the other tenant sees only its own')

  const refused = await app.inject({ method: 'GET', url: '/api/events', headers: user.headers })
  t.equal(refused.statusCode, 403)
  t.equal(refused.json().code, 'FORBIDDEN')
  t.equal((await app.inject({ method: 'GET', url: '/api/events' })).statusCode, 401)
})

t.test('each event is exactly the message the WebSocket sent, same id; session_ended included', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, defaults } = testApp
  const admin = await createTestUser(testApp, { role: 'admin' })
  const socket = await connect(t, app, { token: admin.token })
  await publishEvent(app.licensing, defaults.tenant.id, usage(8))
  await publishEvent(app.licensing, defaults.tenant.id, { type: 'session_ended', data: { sessionId: crypto.randomUUID(), reason: 'revoked', severity: 'warning', message: 'x' } }, admin.user.id)
  const received = [await socket.next(), await socket.next()]
  const history = (await app.inject({ method: 'GET', url: '/api/events', headers: admin.headers })).json()
  t.same(history.events, received, 'same ids, same shape, same data')
  t.notOk('userId' in history.events[1].data, 'the addressee is not part of the message')
})

t.test('events published together are stored in one statement and go out in their order, ids increasing', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, defaults } = testApp
  const admin = await createTestUser(testApp, { role: 'admin' })
  const socket = await connect(t, app, { token: admin.token })
  const ended = { type: 'session_ended' as const, data: { sessionId: crypto.randomUUID(), reason: 'revoked' as const, severity: 'warning' as const, message: 'x' } }
  const published = await publishEvents(app.licensing, defaults.tenant.id, [
    { event: usage(8) }, { event: ended, userId: admin.user.id }, { event: usage(9) }, { event: usageEvent('usage_limit_exceeded', 11, 10) },
  ])
  t.same(published.map((e) => e.type), ['usage_limit_warning', 'session_ended', 'usage_limit_warning', 'usage_limit_exceeded'], 'in the order given')
  const ids = published.map((e) => BigInt(e.id))
  t.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), 'ids increase in that order')
  t.equal(published[1]!.userId, admin.user.id, 'the addressee travels beside its event')
  const writers = await sql<{ xmin: string }>`select distinct xmin::text from events where id = any(${published.map((e) => e.id)}::bigint[])`
    .execute(app.licensing.db)
  t.equal(writers.rows.length, 1, 'one transaction wrote them all')
  const received = []
  for (let i = 0; i < published.length; i++) received.push(await socket.next())
  t.same(received.map((e) => e.id), published.map((e) => e.id), 'the socket got them in that order')
  const history = (await app.inject({ method: 'GET', url: '/api/events', headers: admin.headers })).json()
  t.same(history.events, received, 'the history holds the same messages')
  t.same(await publishEvents(app.licensing, defaults.tenant.id, []), [], 'nothing to publish stores nothing')
})

t.test('the OpenAPI document describes GET /api/events', async (t) => {
  const { app } = await buildTestApp(t)
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const route = doc.paths['/api/events']?.get ?? doc.paths['/api/events/']?.get
  t.ok(route, 'documented')
  t.ok(route.parameters.some((p: { name: string }) => p.name === 'after'))
  t.ok(route.responses['200'])
})

import t from 'tap'
import type { PublishedEvent } from '@license-hub/contract'
import { publishEvent } from '@license-hub/licensing'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestUser } from '../helpers/users.js'
import { connect, licenseExpired, licenseUpdated } from './ws-client.js'

const publish = (testApp: TestApp, n: number) => publishEvent(testApp.app.licensing, testApp.defaults.tenant.id, licenseUpdated([`field${n}`]))

async function publishMany(testApp: TestApp, count: number): Promise<PublishedEvent[]> {
  const events: PublishedEvent[] = []
  for (let i = 0; i < count; i++) events.push(await publish(testApp, i))
  return events
}

/** A client that saw one event and went away, and the events it then missed. */
async function missedWhileAway(t: { teardown: (fn: () => unknown) => void }, testApp: TestApp, token: string) {
  const first = await connect(t, testApp.app, { token })
  const seen = await publish(testApp, 0)
  const last = await first.next()
  first.ws.close()
  await first.closed
  const missed = await publishMany(testApp, 3)
  return { lastEventId: last.id!, seen, missed }
}

t.test('a reconnect with lastEventId receives exactly the missed events from the stream, then live ones', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  const { lastEventId, missed } = await missedWhileAway(t, testApp, token)
  const again = await connect(t, testApp.app, { token, query: { lastEventId } })
  for (const event of missed) {
    t.same(await again.next(), { id: event.id, type: event.type, tenantId: event.tenantId, timestamp: event.timestamp, data: event.data })
  }
  const live = await publish(testApp, 9)
  t.equal((await again.next()).id, live.id, 'the next message is the live event: no duplicate at the seam')
})

t.test('when the stream no longer holds the client\'s event (Redis lost it), replay comes from Postgres', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  const { lastEventId, missed } = await missedWhileAway(t, testApp, token)
  await testApp.app.redis.del(testApp.app.licensing.keys.eventStream(testApp.defaults.tenant.id))
  const again = await connect(t, testApp.app, { token, query: { lastEventId } })
  for (const event of missed) t.equal((await again.next()).id, event.id)
  const live = await publish(testApp, 9)
  t.equal((await again.next()).id, live.id)
})

t.test('the stream replay is used while it reaches back; Postgres is not needed for it', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  const { lastEventId, missed } = await missedWhileAway(t, testApp, token)
  // Events only in the stream prove where the replay came from.
  await testApp.db.deleteFrom('events').where('id', 'in', missed.map((e) => e.id)).execute()
  const again = await connect(t, testApp.app, { token, query: { lastEventId } })
  for (const event of missed) t.equal((await again.next()).id, event.id)
})

t.test('session_ended of another user is not replayed', async (t) => {
  const testApp = await buildTestApp(t)
  const me = await createTestUser(testApp)
  const someone = await createTestUser(testApp)
  const tenantId = testApp.defaults.tenant.id
  const first = await publish(testApp, 0)
  const ended = (userId: string) => publishEvent(testApp.app.licensing, tenantId, {
    type: 'session_ended', data: { sessionId: crypto.randomUUID(), reason: 'forced', severity: 'warning', message: 'Signed in elsewhere' },
  }, userId)
  const theirs = await ended(someone.user.id)
  const mine = await ended(me.user.id)
  const after = await publish(testApp, 1)
  const socket = await connect(t, testApp.app, { token: me.token, query: { lastEventId: first.id } })
  t.equal((await socket.next()).id, mine.id)
  t.equal((await socket.next()).id, after.id)
  t.notOk(socket.received.some((m) => m.id === theirs.id))
})

t.test('an id past the retention, unknown or malformed is answered with resync, then live events flow', async (t) => {
  const testApp = await buildTestApp(t, { wsHub: { maxReplayEvents: 3 } })
  const { token } = await createTestUser(testApp)
  const events = await publishMany(testApp, 5)
  const inReach = await connect(t, testApp.app, { token, query: { lastEventId: events[1]!.id } })
  t.same((await Promise.all([inReach.next(), inReach.next(), inReach.next()])).map((m) => m.id), events.slice(2).map((e) => e.id), '3 missed: replayed')

  const tooFar = await connect(t, testApp.app, { token, query: { lastEventId: events[0]!.id } })
  t.same(await tooFar.next(), { type: 'resync' }, '4 missed: more than the retention')
  await testApp.app.redis.del(testApp.app.licensing.keys.eventStream(testApp.defaults.tenant.id))
  const tooFarInPostgres = await connect(t, testApp.app, { token, query: { lastEventId: events[0]!.id } })
  t.same(await tooFarInPostgres.next(), { type: 'resync' }, 'the same from Postgres')
  const unknown = await connect(t, testApp.app, { token, query: { lastEventId: '987654321' } })
  t.same(await unknown.next(), { type: 'resync' }, 'an id this tenant never had')
  const malformed = await connect(t, testApp.app, { token, query: { lastEventId: 'abc' } })
  t.same(await malformed.next(), { type: 'resync' })

  const live = await publishEvent(testApp.app.licensing, testApp.defaults.tenant.id, licenseExpired())
  for (const socket of [inReach, tooFar, tooFarInPostgres, unknown, malformed]) t.equal((await socket.next()).id, live.id)
})

t.test('no duplicate and no gap when events keep coming while the client reconnects', async (t) => {
  const testApp = await buildTestApp(t)
  const { token } = await createTestUser(testApp)
  const total = 60
  const published: PublishedEvent[] = []
  let reconnect!: () => void
  const tenEventsIn = new Promise<void>((resolve) => { reconnect = resolve })
  const publishing = (async () => {
    for (let i = 0; i < total; i++) {
      published.push(await publish(testApp, i))
      if (i === 9) reconnect()
    }
  })()
  await tenEventsIn
  const socket = await connect(t, testApp.app, { token, query: { lastEventId: published[4]!.id } })
  await publishing
  const expected = published.slice(5).map((e) => e.id)
  const received: string[] = []
  while (received.length < expected.length) received.push((await socket.next()).id!)
  t.same(received, expected, 'every event after the last seen, once, in order')
})

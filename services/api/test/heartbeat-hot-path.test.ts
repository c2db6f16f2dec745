import t from 'tap'
import { createDb } from '@license-hub/db'
import { buildTestApp, type TestApp } from '../../../test/helpers/app.js'
import { tcpProxy } from '../../../test/helpers/tcp-proxy.js'
import { createTestUser, type TestUser } from '../../../test/helpers/users.js'
import { connect, eventually } from '../../../test/ws/ws-client.js'
import { createSession, endSession, get, licenseWithSeats, post, put, testClock, validateSession } from './helpers/seats.js'
import { createTestDatabase } from '@license-hub/test-support'

const lastSeen = async (testApp: TestApp, sessionId: string) =>
  (await testApp.db.selectFrom('clientSessions').select('lastSeenAt').where('id', '=', sessionId).executeTakeFirstOrThrow()).lastSeenAt.getTime()

t.test('a heartbeat answered from Redis reaches Postgres by itself within the heartbeat interval', async (t) => {
  const testApp = await buildTestApp(t, { env: { SESSION_HEARTBEAT_SEC: '3', SESSION_LEASE_SEC: '9' } })
  const { app } = testApp
  t.ok(app.licensing.node!.lastSeen.options.flushEveryMs <= 1000, 'the buffer is flushed every SESSION_HEARTBEAT_SEC / 3')
  const user = await createTestUser(testApp)
  const { sessionId } = (await createSession(app, user.headers, 'laptop')).json()
  const created = await lastSeen(testApp, sessionId)
  await new Promise((resolve) => setTimeout(resolve, 20))
  const beat = (await validateSession(app, user.headers, sessionId)).json()
  t.equal(beat.valid, true)
  const at = new Date(beat.expiresAt).getTime() - 9000
  t.ok(at > created, 'a later heartbeat')
  // No flush by hand: the node's own timer writes it (waiting at most the heartbeat interval and some).
  const written = await eventually(() => lastSeen(testApp, sessionId), (v) => v === at, 120)
  t.equal(written, at, 'last_seen_at is the heartbeat, written behind')
  t.equal(app.licensing.node!.lastSeen.size, 0, 'nothing left in the buffer')
})

t.test('a Redis rebuilt after a flush keeps the seat from its latest heartbeat, not from its creation', async (t) => {
  const clock = testClock()
  const nodeA = await buildTestApp(t, { now: clock.now })
  const nodeB = await buildTestApp(t, { now: clock.now, databaseUrl: nodeA.databaseUrl, redisPrefix: nodeA.redisPrefix })
  await licenseWithSeats(nodeA, 1)
  const [user, other] = [await createTestUser(nodeA), await createTestUser(nodeA)]
  const { sessionId } = (await createSession(nodeA.app, user.headers, 'laptop')).json()
  clock.advance(60)
  t.equal((await validateSession(nodeA.app, user.headers, sessionId)).json().valid, true)
  await nodeA.app.licensing.node!.lastSeen.flush()
  t.equal(await lastSeen(nodeA, sessionId), clock.at, 'the flush wrote the heartbeat')

  // Redis loses every key of this deployment; 60 s later the seat is live only by its heartbeat.
  const keys = await nodeA.app.redis.keys(`${nodeA.redisPrefix}*`)
  if (keys.length) await nodeA.app.redis.del(...keys)
  clock.advance(60)
  // Node B (nothing buffered) rebuilds from Postgres alone.
  t.equal((await get(nodeB.app, '/api/licenses/session-count', other.headers)).json().activeSessions, 1, 'the rebuild keeps the seat')
  t.equal((await createSession(nodeB.app, other.headers, 'desk')).json().code, 'USER_LIMIT_REACHED', 'and counts it')
  const beat = (await validateSession(nodeB.app, user.headers, sessionId)).json()
  t.equal(beat.valid, true, 'its next heartbeat is valid on either node')
})

t.test('Postgres away: live seats keep answering from Redis and no heartbeat is lost; the buffer is written when it returns', async (t) => {
  const { url } = await createTestDatabase(t)
  const proxy = await tcpProxy(t, url)
  const testApp = await buildTestApp(t, { databaseUrl: proxy.url })
  const { app } = testApp
  const direct = createDb(url)
  t.teardown(() => direct.destroy())
  await licenseWithSeats(testApp, 5)
  const users = [await createTestUser(testApp), await createTestUser(testApp)]
  const seats: string[] = []
  for (const [i, user] of users.entries()) seats.push((await createSession(app, user.headers, `device-${i}`)).json().sessionId)
  for (const [i, user] of users.entries()) t.equal((await validateSession(app, user.headers, seats[i]!)).json().valid, true)
  await app.licensing.node!.lastSeen.flush()

  proxy.cut()
  let latest = 0
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
    for (const [i, user] of users.entries()) {
      const beat = (await validateSession(app, user.headers, seats[i]!)).json()
      t.equal(beat.valid, true, `round ${round}: answered from Redis while Postgres is away`)
      latest = Math.max(latest, new Date(beat.expiresAt).getTime() - testApp.config.sessionLeaseSec * 1000)
    }
    await app.licensing.node!.lastSeen.flush() // fails: kept for the next one
  }
  t.equal(app.licensing.node!.lastSeen.size, 2, 'both sessions wait in the buffer')

  proxy.restore()
  await eventually(async () => { await app.licensing.node!.lastSeen.flush(); return app.licensing.node!.lastSeen.size }, (n) => n === 0)
  const rows = await direct.selectFrom('clientSessions').select(['id', 'lastSeenAt']).where('id', 'in', seats).execute()
  const byId = new Map(rows.map((r) => [r.id, r.lastSeenAt.getTime()]))
  t.equal(byId.get(seats[1]!), latest, 'the last heartbeat of the outage is in Postgres')
  t.ok(byId.get(seats[0]!)! > 0 && byId.get(seats[0]!)! <= latest, 'and the other seat\'s too')
})

t.test('the buffer is written when the node closes', async (t) => {
  const testApp = await buildTestApp(t)
  const user = await createTestUser(testApp)
  const { sessionId } = (await createSession(testApp.app, user.headers, 'laptop')).json()
  await new Promise((resolve) => setTimeout(resolve, 20))
  const beat = (await validateSession(testApp.app, user.headers, sessionId)).json()
  await testApp.app.close()
  t.equal(await lastSeen(testApp, sessionId), new Date(beat.expiresAt).getTime() - testApp.config.sessionLeaseSec * 1000)
})

async function twoNodes(t: Parameters<typeof buildTestApp>[0]) {
  const nodeA = await buildTestApp(t)
  const nodeB = await buildTestApp(t, { databaseUrl: nodeA.databaseUrl, redisPrefix: nodeA.redisPrefix })
  return [nodeA, nodeB] as const
}

/** A seat whose heartbeats on node A are warm (license cached, token cached). */
async function warmSeat(nodeA: TestApp, user: TestUser, device = 'laptop'): Promise<string> {
  const { sessionId } = (await createSession(nodeA.app, user.headers, device)).json()
  for (let i = 0; i < 2; i++) t.equal((await validateSession(nodeA.app, user.headers, sessionId)).json().valid, true)
  return sessionId
}

t.test('changes made on node B are refused at the next heartbeat on node A', async (t) => {
  const [nodeA, nodeB] = await twoNodes(t)
  await licenseWithSeats(nodeA, 10)
  const admin = await createTestUser(nodeA, { role: 'admin' })

  await t.test('a seat forced onto another device', async (t) => {
    const user = await createTestUser(nodeA)
    const sessionId = await warmSeat(nodeA, user)
    t.equal((await post(nodeB.app, '/api/licenses/create-session', user.headers, { deviceId: 'desk', force: true })).statusCode, 201)
    t.same((await validateSession(nodeA.app, user.headers, sessionId)).json().code, 'SESSION_NOT_FOUND')
  })

  await t.test('a seat an admin revoked', async (t) => {
    const user = await createTestUser(nodeA)
    const sessionId = await warmSeat(nodeA, user)
    t.equal((await endSession(nodeB.app, admin.headers, sessionId)).statusCode, 200)
    t.same((await validateSession(nodeA.app, user.headers, sessionId)).json().code, 'SESSION_NOT_FOUND')
  })

  await t.test('a user whose WebRTC access was switched off', async (t) => {
    const user = await createTestUser(nodeA)
    const sessionId = await warmSeat(nodeA, user)
    const license = (await get(nodeB.app, '/api/licenses/current', admin.headers)).json()
    t.equal((await put(nodeB.app, `/api/licenses/${license.id}/users/${user.user.id}/webrtc`, admin.headers, { enabled: false })).statusCode, 200)
    const beat = (await validateSession(nodeA.app, user.headers, sessionId)).json()
    t.equal(beat.valid, false, 'refused at once')
    t.equal((await createSession(nodeA.app, user.headers, 'laptop')).json().code, 'USER_NOT_ALLOCATED')
  })

  await t.test('a session that is not the caller\'s is not found, and stays its owner\'s', async (t) => {
    const [owner, stranger] = [await createTestUser(nodeA), await createTestUser(nodeA)]
    const sessionId = await warmSeat(nodeA, owner)
    t.same((await validateSession(nodeA.app, stranger.headers, sessionId)).json().code, 'SESSION_NOT_FOUND')
    t.equal((await validateSession(nodeA.app, owner.headers, sessionId)).json().valid, true)
  })

  await t.test('the license in force changed (allocation lowered): node A answers with the new one, not the text it wrote before', async (t) => {
    const user = await createTestUser(nodeA)
    const sessionId = await warmSeat(nodeA, user)
    t.equal((await get(nodeA.app, '/api/licenses/current', user.headers)).json().webrtcMaxUsers, 10, 'node A has written its answers with the old license')
    const socket = await connect(t, nodeA.app, { token: user.token })
    const license = (await get(nodeB.app, '/api/licenses/current', admin.headers)).json()
    t.equal((await put(nodeB.app, `/api/licenses/${license.id}/webrtc-allocation`, admin.headers, { webrtcMaxUsers: 7 })).statusCode, 200)
    t.equal((await socket.next(5000)).type, 'license_updated')
    const beat = (await validateSession(nodeA.app, user.headers, sessionId)).json()
    t.same({ valid: beat.valid, webrtcMaxUsers: beat.webrtcMaxUsers, inLicense: beat.license.webrtcMaxUsers },
      { valid: true, webrtcMaxUsers: 7, inLicense: 7 })
    t.equal((await get(nodeA.app, '/api/licenses/current', user.headers)).json().webrtcMaxUsers, 7)
  })

  await t.test('the license in force changed (allocation withdrawn): node A drops its copy on the event', async (t) => {
    const user = await createTestUser(nodeA)
    const sessionId = await warmSeat(nodeA, user)
    const socket = await connect(t, nodeA.app, { token: user.token })
    const license = (await get(nodeB.app, '/api/licenses/current', admin.headers)).json()
    t.equal((await put(nodeB.app, `/api/licenses/${license.id}/webrtc-allocation`, admin.headers, { webrtcMaxUsers: 0 })).statusCode, 200)
    // Node A has heard the event once its socket has it.
    t.equal((await socket.next(5000)).type, 'license_updated')
    const beat = (await validateSession(nodeA.app, user.headers, sessionId)).json()
    t.same({ valid: beat.valid, code: beat.code }, { valid: false, code: 'NO_ALLOCATION' })
  })
})

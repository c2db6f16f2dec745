import t from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startRedis } from '@license-hub/local-servers'
import { buildTestApp, type TestApp } from '../../../test/helpers/app.js'
import { createTestUser, type TestUser } from '../../../test/helpers/users.js'
import { createSession, endSession, get, licenseWithSeats, testClock, validateSession } from './helpers/seats.js'
import { harnessEnv } from '@license-hub/test-support'

/** Two api nodes on a redis-server of this test's own, which it may flush at will. */
async function twoNodesOnOwnRedis(t: Parameters<typeof buildTestApp>[0]) {
  const server = await startRedis({ dataDir: join(harnessEnv().tmp, `seats-redis-${randomBytes(4).toString('hex')}`) })
  t.teardown(() => server.stop())
  const redis = new Redis(server.url)
  t.teardown(() => redis.quit())
  const clock = testClock()
  const nodeA = await buildTestApp(t, { redisUrl: server.url, now: clock.now })
  const nodeB = await buildTestApp(t, {
    redisUrl: server.url, databaseUrl: nodeA.databaseUrl, redisPrefix: nodeA.redisPrefix, now: clock.now,
  })
  return { redis, clock, nodes: [nodeA, nodeB] as const }
}

const count = async (node: TestApp, user: TestUser) => (await get(node.app, '/api/licenses/session-count', user.headers)).json().activeSessions

t.test('FLUSHALL mid-run: the next heartbeats keep every live user, the count stays exact, no extra seat appears', async (t) => {
  const { redis, clock, nodes } = await twoNodesOnOwnRedis(t)
  const [nodeA, nodeB] = nodes
  await licenseWithSeats(nodeA, 4)
  const users = await Promise.all(Array.from({ length: 7 }, () => createTestUser(nodeA)))
  const [u0, u1, u2, u3, loggedOut, lapsed, newcomer] = users as [TestUser, TestUser, TestUser, TestUser, TestUser, TestUser, TestUser]

  // A seat that lapses, one that logs out, then four live ones, spread over both nodes.
  const lapsedSeat = (await createSession(nodeA.app, lapsed.headers, 'lapsed')).json()
  clock.advance(91)
  const outSeat = (await createSession(nodeB.app, loggedOut.headers, 'out')).json()
  await endSession(nodeA.app, loggedOut.headers, outSeat.sessionId)
  const live = [u0, u1, u2, u3]
  const seats: { sessionId: string }[] = []
  for (const [i, user] of live.entries()) seats.push((await createSession(nodes[i % 2]!.app, user.headers, `device-${i}`)).json())
  t.ok(seats.every((s) => s.sessionId), 'four seats')
  t.equal(await count(nodeA, u0), 4)
  t.equal(lapsedSeat.activeSessions, 1)

  for (let round = 1; round <= 3; round++) {
    clock.advance(30)
    await redis.flushall()
    if (round === 2) await redis.script('FLUSH') // as a restarted Redis: the scripts are gone too
    // Every live user's heartbeat, at once, on both nodes: two rebuilds race, one wins.
    const beats = await Promise.all(live.map((user, i) => validateSession(nodes[(i + round) % 2]!.app, user.headers, seats[i]!.sessionId)))
    t.same(beats.map((res) => res.json().valid), [true, true, true, true], `round ${round}: no live user locked out`)
    t.same(beats.map((res) => res.json().activeSessions), [4, 4, 4, 4], `round ${round}: the count stays exact`)
    t.equal(await count(nodeB, u1), 4)
    const refused = await createSession(nodeA.app, newcomer.headers, 'new')
    t.equal(refused.statusCode, 403, `round ${round}: no extra seat`)
    t.equal(refused.json().code, 'USER_LIMIT_REACHED')
  }

  t.same((await validateSession(nodeB.app, loggedOut.headers, outSeat.sessionId)).json().code, 'SESSION_NOT_FOUND', 'an ended session stays ended')
  t.same((await validateSession(nodeB.app, lapsed.headers, lapsedSeat.sessionId)).json().code, 'SESSION_NOT_FOUND', 'a lapsed one stays lapsed')
  const back = await createSession(nodeB.app, u0.headers, 'device-0')
  t.equal(back.statusCode, 200, 'the same device gets its seat back after the rebuild')
  t.equal(back.json().sessionId, seats[0]!.sessionId)
  t.equal((await createSession(nodeA.app, u1.headers, 'another-device')).statusCode, 409, 'one device per user holds after the rebuild')
})

t.test('a flush right before admission rebuilds first: the limit counts the seats Postgres holds live', async (t) => {
  const { redis, nodes } = await twoNodesOnOwnRedis(t)
  const [nodeA, nodeB] = nodes
  await licenseWithSeats(nodeA, 2)
  const users = await Promise.all(Array.from({ length: 12 }, () => createTestUser(nodeA)))
  const first = (await createSession(nodeA.app, users[0]!.headers, 'd0')).json()
  await redis.flushall()
  const answers = await Promise.all(users.slice(1).map((user, i) => createSession(nodes[i % 2]!.app, user.headers, `d${i + 1}`)))
  t.equal(answers.filter((res) => res.statusCode === 201).length, 1, 'only the one free seat is granted')
  t.equal(await count(nodeB, users[0]!), 2)
  t.equal((await validateSession(nodeB.app, users[0]!.headers, first.sessionId)).json().valid, true)
})

t.test('a seat ended while Redis had lost the seats is freed: the rebuild does not bring it back', async (t) => {
  const { redis, nodes } = await twoNodesOnOwnRedis(t)
  const [nodeA, nodeB] = nodes
  await licenseWithSeats(nodeA, 2)
  const [a, b, c] = await Promise.all([createTestUser(nodeA), createTestUser(nodeA), createTestUser(nodeA)])
  const seatA = (await createSession(nodeA.app, a.headers, 'a')).json()
  await createSession(nodeB.app, b.headers, 'b')
  await redis.flushall()
  t.equal((await endSession(nodeB.app, a.headers, seatA.sessionId)).statusCode, 200)
  t.equal((await createSession(nodeA.app, c.headers, 'c')).statusCode, 201, 'a\'s seat went to c')
  t.equal(await count(nodeA, c), 2)
})

t.test('without Redis, no seat is granted: 503, never a guess', async (t) => {
  const server = await startRedis({ dataDir: join(harnessEnv().tmp, `seats-redis-${randomBytes(4).toString('hex')}`) })
  t.teardown(() => server.stop())
  const testApp = await buildTestApp(t, { redisUrl: server.url })
  const [a, b] = [await createTestUser(testApp), await createTestUser(testApp)]
  t.equal((await createSession(testApp.app, a.headers, 'd')).statusCode, 201)
  await server.kill()
  // (Each Redis command waits out the client's retries, a few seconds: one request is enough here.)
  const res = await createSession(testApp.app, b.headers, 'd')
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'SERVICE_UNAVAILABLE')
})

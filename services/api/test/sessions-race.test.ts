import t from 'tap'
import { userLimitMessage } from '@license-hub/contract'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'
import { createSession, endSession, get, licenseWithSeats } from './helpers/seats.js'

const SEATS = 5
const CONTENDERS = 20 * SEATS
const ROUNDS = 6

t.test(`exactly ${SEATS} seats when ${CONTENDERS} distinct users race over two api nodes, round after round`, async (t) => {
  const nodeA = await buildTestApp(t)
  const nodeB = await buildTestApp(t, { databaseUrl: nodeA.databaseUrl, redisPrefix: nodeA.redisPrefix })
  const license = await licenseWithSeats(nodeA, SEATS)
  const users = await Promise.all(Array.from({ length: CONTENDERS }, () => createTestUser(nodeA)))

  for (let round = 1; round <= ROUNDS; round++) {
    const answers = await Promise.all(users.map((user, i) =>
      createSession((i % 2 === 0 ? nodeA : nodeB).app, user.headers, `device-${i}`)))
    const granted = answers.filter((res) => res.statusCode === 201)
    const refused = answers.filter((res) => res.statusCode === 403)
    t.equal(granted.length, SEATS, `round ${round}: exactly ${SEATS} seats granted`)
    t.equal(refused.length, CONTENDERS - SEATS, `round ${round}: everyone else refused`)
    t.ok(refused.every((res) => res.json().code === 'USER_LIMIT_REACHED' && res.json().message === userLimitMessage(SEATS)))

    const live = await nodeA.db.selectFrom('clientSessions').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('licenseId', '=', license.id).where('endedAt', 'is', null).executeTakeFirstOrThrow()
    t.equal(Number(live.n), SEATS, `round ${round}: Postgres records ${SEATS} live sessions`)
    const count = (await get(nodeB.app, '/api/licenses/session-count', users[0]!.headers)).json()
    t.same(count, { activeSessions: SEATS, webrtcMaxUsers: SEATS, available: 0, usagePercent: 100 })

    // Everyone lets go, on either node, and the next round starts from zero.
    await Promise.all(granted.map((res, i) => {
      const holder = users[answers.indexOf(res)]!
      return endSession((i % 2 === 0 ? nodeB : nodeA).app, holder.headers, res.json().sessionId)
    }))
    t.equal((await get(nodeA.app, '/api/licenses/session-count', users[0]!.headers)).json().activeSessions, 0)
  }
})

t.test('one user racing from many devices on two nodes ends with one seat', async (t) => {
  const nodeA = await buildTestApp(t)
  const nodeB = await buildTestApp(t, { databaseUrl: nodeA.databaseUrl, redisPrefix: nodeA.redisPrefix })
  await licenseWithSeats(nodeA, 3)
  const user = await createTestUser(nodeA)
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    createSession((i % 2 === 0 ? nodeA : nodeB).app, user.headers, `device-${i}`)))
  t.equal(answers.filter((res) => res.statusCode === 201).length, 1, 'one device wins')
  t.equal(answers.filter((res) => res.statusCode === 409).length, 19, 'the others are told the user is logged in elsewhere')
  t.equal((await get(nodeA.app, '/api/licenses/session-count', user.headers)).json().activeSessions, 1)
})

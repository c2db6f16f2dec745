/**
 * 3. Seat churn: each connection takes a seat for a user then gives it back (create-session then
 *    end-session, distinct users, each answered once its row is in Postgres). Goal >= 0.25x its
 *    floor measured in the same run: a bare Fastify POST pair that writes the same rows, one
 *    Postgres statement each answer (insert, then end). The ratio to a bare POST with no Postgres
 *    at all is printed beside it.
 */
import { seed } from './lib/fixtures.js'
import { benchDatabase } from './lib/servers.js'
import { startApi, startBare } from './lib/api.js'
import { load } from './lib/load.js'
import { quick, record } from './lib/report.js'

const USERS = quick ? 100 : 5000
const CONNECTIONS = quick ? 4 : 50
const DURATION_SEC = quick ? 1 : Number(process.env.BENCH_DURATION_SEC ?? 10)

const { databaseUrl, redisUrl } = await benchDatabase()
const seeded = await seed(databaseUrl, redisUrl, { users: USERS, webrtcMaxUsers: USERS })
const [api, bare] = await Promise.all([startApi(seeded.env), startBare('http', { BENCH_DATABASE_URL: databaseUrl })])
try {
  const tokens = seeded.users.map((u) => u.token)
  const churn = { url: api.url, churn: { tokens }, connections: CONNECTIONS }
  const floor = { url: bare.url, churn: { tokens, paths: ['/bare-pg/create', '/bare-pg/end'] as [string, string] }, connections: CONNECTIONS }
  const barePost = { url: bare.url, path: '/bare', method: 'POST' as const, connections: CONNECTIONS, variants: [{ headers: { 'content-type': 'application/json' }, body: '{"deviceId":"bench-churn"}' }] }
  if (!quick) {
    await load('warm-up', { ...churn, durationSec: 3 })
    await load('warm-up floor', { ...floor, durationSec: 3 })
    await load('warm-up bare', { ...barePost, durationSec: 3 })
  }
  const base = await load('bare POST', { ...barePost, durationSec: DURATION_SEC })
  const pgFloor = await load('bare POST + Postgres row', { ...floor, durationSec: DURATION_SEC })
  const result = await load('seat churn', { ...churn, durationSec: DURATION_SEC })
  const live = await seeded.db.selectFrom('clientSessions').select((eb) => eb.fn.countAll<string>().as('n')).where('endedAt', 'is', null).executeTakeFirstOrThrow()
  const ratio = result.rps / pgFloor.rps
  record({
    name: 'seat-churn-floor', value: pgFloor.rps, unit: 'req/s', baseline: base.rps, ratio: pgFloor.rps / base.rps, p99: pgFloor.p99, baselineP99: base.p99,
  })
  record({
    name: 'seat-churn', value: result.rps, unit: 'req/s', baseline: pgFloor.rps, ratio, p99: result.p99, baselineP99: pgFloor.p99,
    goal: '>= 0.25x bare POST + Postgres row', met: ratio >= 0.25, vsBarePost: result.rps / base.rps, barePost: base.rps,
    seatsTaken: Math.floor(result.total / 2), stillOpen: Number(live.n),
  })
} finally {
  await Promise.all([api.child.stop(), bare.child.stop()])
  await seeded.db.destroy()
}

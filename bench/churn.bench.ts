/**
 * 3. Seat churn: each connection takes a seat for a user then gives it back (create-session then
 *    end-session, distinct users, each answered once its row is in Postgres). Goal >= 0.25x its
 *    floor measured in the same run: a bare Fastify POST pair that writes the same rows, one
 *    Postgres statement each answer (insert, then end). The ratio to a bare POST with no Postgres
 *    at all is printed beside it. In turns, ROUNDS times, as the heartbeat's: each round against
 *    the baseline's runs either side of it, each figure the median of the rounds.
 */
import { seed } from './lib/fixtures.js'
import { benchDatabase } from './lib/servers.js'
import { startApi, startBare } from './lib/api.js'
import { stopLoad } from './lib/load.js'
import { figures, inTurns, type Target } from './lib/rounds.js'
import { quick, record } from './lib/report.js'

const USERS = quick ? 100 : 5000
const CONNECTIONS = quick ? 4 : 50
const ROUNDS = quick ? 1 : 3
const DURATION_SEC = quick ? 1 : Number(process.env.BENCH_DURATION_SEC ?? 3)

const { databaseUrl, redisUrl } = await benchDatabase()
const seeded = await seed(databaseUrl, redisUrl, { users: USERS, webrtcMaxUsers: USERS })
const [api, bare] = await Promise.all([startApi(seeded.env), startBare('http', { BENCH_DATABASE_URL: databaseUrl })])
try {
  const tokens = seeded.users.map((u) => u.token)
  const targets: Record<string, Target> = {
    'bare POST': { url: bare.url, path: '/bare', method: 'POST', variants: [{ headers: { 'content-type': 'application/json' }, body: '{"deviceId":"bench-churn"}' }] },
    'bare POST + Postgres row': { url: bare.url, churn: { tokens, paths: ['/bare-pg/create', '/bare-pg/end'] } },
    'seat churn': { url: api.url, churn: { tokens } },
  }
  const turns = await inTurns(targets, {
    connections: CONNECTIONS, rounds: ROUNDS, durationSec: DURATION_SEC, warmUpSec: quick ? 0 : 2, baselines: ['bare POST', 'bare POST + Postgres row'],
  })
  const live = await seeded.db.selectFrom('clientSessions').select((eb) => eb.fn.countAll<string>().as('n')).where('endedAt', 'is', null).executeTakeFirstOrThrow()
  const floor = figures(turns, 'bare POST + Postgres row', 'bare POST')
  record({ name: 'seat-churn-floor', ...floor })
  const churn = figures(turns, 'seat churn', 'bare POST + Postgres row')
  record({
    name: 'seat-churn', ...churn, goal: '>= 0.25x bare POST + Postgres row', met: churn.ratio >= 0.25,
    vsBarePost: figures(turns, 'seat churn', 'bare POST').ratio, barePost: floor.baseline,
    seatsTaken: Math.floor(turns.runs.get('seat churn')!.reduce((n, r) => n + r.total, 0) / 2), stillOpen: Number(live.n),
  })
} finally {
  await Promise.all([api.child.stop(), bare.child.stop(), stopLoad()])
  await seeded.db.destroy()
}

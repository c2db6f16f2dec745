/**
 * 4. Admission under contention: two api processes on one Postgres and Redis, 2,000 distinct users
 *    asking for a seat at once against webrtc_max_users 25, 50 rounds: exactly 25 granted in every
 *    round (the figure is the number of exact rounds; the latency is that of a create-session).
 */
import { seed } from './lib/fixtures.js'
import { benchDatabase } from './lib/servers.js'
import { startApi } from './lib/api.js'
import { benchFile, startChild } from './lib/child.js'
import { quick, record } from './lib/report.js'

const USERS = quick ? 200 : 2000
const ROUNDS = quick ? 3 : 50
const LIMIT = 25

const { databaseUrl, redisUrl } = await benchDatabase()
const seeded = await seed(databaseUrl, redisUrl, { users: USERS, webrtcMaxUsers: LIMIT })
const nodes = await Promise.all([startApi(seeded.env, 'api-a'), startApi(seeded.env, 'api-b')])
const client = startChild(benchFile('admission-client.ts'))
try {
  await client.next('ready')
  client.send({ urls: nodes.map((n) => n.url), tokens: seeded.users.map((u) => u.token), rounds: ROUNDS })
  const { rounds } = await client.next<{ rounds: { granted: number; refused: number; other: number; p99: number; ms: number }[] }>('result', 900_000)
  const exact = rounds.filter((r) => r.granted === LIMIT && r.refused === USERS - LIMIT).length
  const p99s = rounds.map((r) => r.p99).sort((a, b) => a - b)
  const wrong = rounds.filter((r) => r.granted !== LIMIT || r.other > 0)
  if (wrong.length) console.log('rounds off:', JSON.stringify(wrong.slice(0, 5)))
  record({
    name: 'admission-contention', value: exact, unit: 'exact rounds', baseline: ROUNDS, ratio: exact / ROUNDS,
    p99: Math.round(p99s[Math.floor(p99s.length / 2)]!), goal: `exactly ${LIMIT} granted in each of ${ROUNDS} rounds`, met: exact === ROUNDS,
    users: USERS, nodes: 2, roundMs: Math.round(rounds.reduce((s, r) => s + r.ms, 0) / rounds.length),
    grantedPerRound: [...new Set(rounds.map((r) => r.granted))],
  })
} finally {
  await client.stop()
  await Promise.all(nodes.map((n) => n.child.stop()))
  await seeded.db.destroy()
}

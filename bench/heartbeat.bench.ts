/**
 * 1. The heartbeat (POST /api/licenses/validate-session) of 1,000 live seats on one api node in
 *    production config, against a bare Fastify POST: goal >= 0.5x its throughput, p99 <= 2x.
 *    Beside it, for reading the gap: the same bare POST plus one EVALSHA (the heartbeat's floor).
 * 2. GET /api/licenses/current and GET /health against a bare Fastify GET: goals >= 0.6x, >= 0.8x.
 * Load: autocannon in its own process, 50 connections. Subjects and baselines run in turns, ROUNDS
 * times, then the baselines once more; each round's ratio is against the baseline's runs either side
 * of it, and each figure is the median over the rounds: a burst of other work on the machine then
 * skews one round of both, not the baseline alone.
 */
import { auth, seed } from './lib/fixtures.js'
import { benchDatabase } from './lib/servers.js'
import { call, mapLimit, startApi, startBare } from './lib/api.js'
import { stopLoad } from './lib/load.js'
import { figures, inTurns, type Target } from './lib/rounds.js'
import { quick, record } from './lib/report.js'

const SEATS = quick ? 50 : 1000
const CONNECTIONS = quick ? 4 : 50
const ROUNDS = quick ? 1 : 3
const DURATION_SEC = quick ? 1 : Number(process.env.BENCH_DURATION_SEC ?? 3)

const { databaseUrl, redisUrl } = await benchDatabase()
const seeded = await seed(databaseUrl, redisUrl, { users: SEATS, webrtcMaxUsers: SEATS })
const [api, bare] = await Promise.all([startApi(seeded.env), startBare('http')])
try {
  const sessions = await mapLimit(seeded.users, 20, async (user) => {
    const { status, body } = await call<{ sessionId: string }>(api.url, '/api/licenses/create-session', user.token, { deviceId: 'bench-device' })
    if (status !== 201) throw new Error(`create-session answered ${status}: ${JSON.stringify(body)}`)
    return { token: user.token, sessionId: body.sessionId }
  })
  const bareBody = { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId: sessions[0]!.sessionId }) }
  const targets: Record<string, Target> = {
    'bare POST': { url: bare.url, path: '/bare', method: 'POST', variants: [bareBody] },
    'bare POST + EVALSHA': { url: bare.url, path: '/bare-lua', method: 'POST', variants: [bareBody] },
    heartbeat: {
      url: api.url, path: '/api/licenses/validate-session', method: 'POST',
      variants: sessions.map((s) => ({ headers: auth(s.token), body: JSON.stringify({ sessionId: s.sessionId }) })),
    },
    'bare GET': { url: bare.url, path: '/bare' },
    'licenses/current': { url: api.url, path: '/api/licenses/current', variants: seeded.users.map((u) => ({ headers: auth(u.token) })) },
    health: { url: api.url, path: '/health' },
  }
  // Warm-up first (JIT, connection pools, caches), before anything counts.
  const turns = await inTurns(targets, {
    connections: CONNECTIONS, rounds: ROUNDS, durationSec: DURATION_SEC, warmUpSec: quick ? 0 : 2, baselines: ['bare POST', 'bare POST + EVALSHA', 'bare GET'],
  })

  // The heartbeats answered valid, not merely 200.
  const check = await call<{ valid: boolean }>(api.url, '/api/licenses/validate-session', sessions[0]!.token, { sessionId: sessions[0]!.sessionId })
  if (!check.body.valid) throw new Error(`heartbeat answered ${JSON.stringify(check.body)}`)

  const compare = (name: string, subject: string, base: string, goal?: number, p99Factor?: number) => {
    const figure = figures(turns, subject, base)
    const p99Ok = p99Factor === undefined || figure.p99 <= p99Factor * Math.max(figure.baselineP99, 1)
    record({
      name, ...figure,
      ...(goal === undefined ? {} : { goal: `>= ${goal}x bare${p99Factor ? `, p99 <= ${p99Factor}x bare` : ''}`, met: figure.ratio >= goal && p99Ok }),
      connections: CONNECTIONS, durationSec: DURATION_SEC,
    })
  }
  compare('heartbeat', 'heartbeat', 'bare POST', 0.5, 2)
  compare('heartbeat-floor', 'bare POST + EVALSHA', 'bare POST')
  compare('heartbeat-vs-floor', 'heartbeat', 'bare POST + EVALSHA')
  compare('licenses-current', 'licenses/current', 'bare GET', 0.6)
  compare('health', 'health', 'bare GET', 0.8)
} finally {
  await Promise.all([api.child.stop(), bare.child.stop(), stopLoad()])
  await seeded.db.destroy()
}

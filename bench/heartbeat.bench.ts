/**
 * 1. The heartbeat (POST /api/licenses/validate-session) of 1,000 live seats on one api node in
 *    production config, against a bare Fastify POST: goal >= 0.5x its throughput, p99 <= 2x.
 * 2. GET /api/licenses/current and GET /health against a bare Fastify GET: goals >= 0.6x, >= 0.8x.
 * Load: autocannon in its own process, 50 connections.
 */
import { auth, seed } from './lib/fixtures.js'
import { benchDatabase } from './lib/servers.js'
import { call, mapLimit, startApi, startBare } from './lib/api.js'
import { load, type LoadOptions, type LoadResult } from './lib/load.js'
import { quick, record } from './lib/report.js'

const SEATS = quick ? 50 : 1000
const CONNECTIONS = quick ? 4 : 50
const DURATION_SEC = quick ? 1 : Number(process.env.BENCH_DURATION_SEC ?? 10)

const { databaseUrl, redisUrl } = await benchDatabase()
const seeded = await seed(databaseUrl, redisUrl, { users: SEATS, webrtcMaxUsers: SEATS })
const [api, bare] = await Promise.all([startApi(seeded.env), startBare('http')])
try {
  const sessions = await mapLimit(seeded.users, 20, async (user) => {
    const { status, body } = await call<{ sessionId: string }>(api.url, '/api/licenses/create-session', user.token, { deviceId: 'bench-device' })
    if (status !== 201) throw new Error(`create-session answered ${status}: ${JSON.stringify(body)}`)
    return { token: user.token, sessionId: body.sessionId }
  })
  const run = (name: string, options: Omit<LoadOptions, 'connections' | 'durationSec'>, durationSec = DURATION_SEC) =>
    load(name, { connections: CONNECTIONS, durationSec, ...options })
  const heartbeat: Omit<LoadOptions, 'connections' | 'durationSec'> = {
    url: api.url, path: '/api/licenses/validate-session', method: 'POST',
    variants: sessions.map((s) => ({ headers: auth(s.token), body: JSON.stringify({ sessionId: s.sessionId }) })),
  }
  const barePost = { url: bare.url, path: '/bare', method: 'POST' as const, variants: [{ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId: sessions[0]!.sessionId }) }] }
  const tokens = seeded.users.map((u) => ({ headers: auth(u.token) }))
  if (!quick) {
    // Warm both processes up (JIT, connection pools, caches) before anything counts.
    await run('warm-up bare', barePost, 3)
    await run('warm-up heartbeat', heartbeat, 3)
  }
  const postBase = await run('bare POST', barePost)
  const beat = await run('heartbeat', heartbeat)
  const getBase = await run('bare GET', { url: bare.url, path: '/bare' })
  const current = await run('licenses/current', { url: api.url, path: '/api/licenses/current', variants: tokens })
  const health = await run('health', { url: api.url, path: '/health' })

  // The heartbeats answered valid, not merely 200.
  const check = await call<{ valid: boolean }>(api.url, '/api/licenses/validate-session', sessions[0]!.token, { sessionId: sessions[0]!.sessionId })
  if (!check.body.valid) throw new Error(`heartbeat answered ${JSON.stringify(check.body)}`)

  const figures = (name: string, subject: LoadResult, base: LoadResult, goal: number, p99Factor?: number) => {
    const ratio = subject.rps / base.rps
    const p99Ok = p99Factor === undefined || subject.p99 <= p99Factor * Math.max(base.p99, 1)
    record({
      name, value: subject.rps, unit: 'req/s', baseline: base.rps, ratio, p99: subject.p99, baselineP99: base.p99,
      goal: `>= ${goal}x bare${p99Factor ? `, p99 <= ${p99Factor}x bare` : ''}`, met: ratio >= goal && p99Ok,
      connections: CONNECTIONS, durationSec: DURATION_SEC,
    })
  }
  figures('heartbeat', beat, postBase, 0.5, 2)
  figures('licenses-current', current, getBase, 0.6)
  figures('health', health, getBase, 0.8)
} finally {
  await Promise.all([api.child.stop(), bare.child.stop()])
  await seeded.db.destroy()
}

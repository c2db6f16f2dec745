/**
 * 5. Fan-out: 10,000 sockets of one tenant on one api node; an event published as the worker
 *    publishes it (publishEvent: Postgres, stream, pub/sub), from publish to receipt at every
 *    client, against a bare `ws` server broadcasting the same bytes from a Redis channel to the
 *    same client process. Goals: p99 <= 1.25x the bare broadcast's, memory per idle socket <= 1.5x
 *    (resident memory after a full garbage collection in both servers, before and after opening).
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { loadConfig } from '@license-hub/config'
import { createRedis, redisKeys } from '@license-hub/redis'
import { publishEvent, type LicensingContext } from '@license-hub/licensing'
import { seed } from './lib/fixtures.js'
import { benchDatabase } from './lib/servers.js'
import { startApi, startBare } from './lib/api.js'
import { benchFile, startChild, type Child } from './lib/child.js'
import { quick, record } from './lib/report.js'

const SOCKETS = quick ? 200 : Number(process.env.BENCH_SOCKETS ?? 10_000)
const EVENTS = quick ? 3 : 20
/** An event that has not reached every socket by then counts as not reaching the rest. */
const ARRIVAL_TIMEOUT_MS = 30_000
const CHANNEL = 'bench:bare-fanout'
const clock = () => performance.timeOrigin + performance.now()

const { databaseUrl, redisUrl } = await benchDatabase()
const seeded = await seed(databaseUrl, redisUrl, { users: SOCKETS, webrtcMaxUsers: 25 })
const redis = createRedis(redisUrl, 'command')
const ctx: LicensingContext = {
  config: loadConfig(seeded.env),
  secrets: { jwtSecret: seeded.env.JWT_SECRET!, licensePrivateKey: seeded.keys.privateKey, licensePublicKey: seeded.keys.publicKey },
  db: seeded.db, redis, keys: redisKeys(), log: pino({ level: 'silent' }), now: () => new Date(),
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

/** Opens the sockets, measures memory per socket, sends EVENTS events; returns latencies (ms) and bytes per socket. */
/** Until the api node counts every socket as connected (accepting 10,000 upgrades takes a while after they open). */
async function allRegistered(base: string, count: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const text = await fetch(`${base}/metrics`).then((r) => r.text(), () => '')
    const match = /^license_hub_ws_connections(?:\{[^}]*\})? (\d+)/m.exec(text)
    if (match && Number(match[1]) >= count) return
    await sleep(500)
  }
  throw new Error('the api node did not count every socket within 5 minutes')
}

async function measure(
  server: Child, urls: string[], send: (k: number) => Promise<{ id: string; at: number }>, registered?: () => Promise<void>
) {
  const clients = startChild(benchFile('ws-clients.ts'))
  try {
    await clients.next('ready')
    await sleep(500)
    const collected = async () => {
      server.send({ type: 'gc' })
      await server.next('gc-done')
      return server.rss()
    }
    const before = await collected()
    clients.send({ type: 'open', urls })
    const opened = await clients.next<{ open: number; failed: number }>('opened', 300_000)
    if (opened.failed > 0 || opened.open !== urls.length) throw new Error(`${opened.failed} of ${urls.length} sockets did not open`)
    await registered?.()
    await sleep(quick ? 200 : 2000)
    const perSocket = (await collected() - before) / urls.length
    const sent: { id: string; at: number }[] = []
    // The first event warms the path up and is not counted. Each next one goes out once the
    // previous one has reached every socket: at 10,000 sockets one fan-out takes longer than a
    // fixed pause, and events queued behind each other measured the queue, not the fan-out (and,
    // collected before the last ones had arrived, reached "0 sockets").
    for (let k = 0; k <= EVENTS; k++) {
      const event = await send(k)
      if (k > 0) sent.push(event)
      clients.send({ type: 'await', id: event.id, count: urls.length })
      const timer = setTimeout(() => clients.send({ type: 'give-up', id: event.id }), ARRIVAL_TIMEOUT_MS)
      await clients.next('arrived', ARRIVAL_TIMEOUT_MS + 10_000)
      clearTimeout(timer)
      await sleep(quick ? 20 : 100)
    }
    clients.send({ type: 'collect' })
    const { arrivals, sample, closes } = await clients.next<{ arrivals: Record<string, number[]>; sample: string; closes: Record<string, number> }>('arrivals')
    if (Object.keys(closes).length > 0) console.log('sockets closed by the server, by close code:', JSON.stringify(closes))
    const latencies: number[] = []
    let reachedMin = urls.length
    for (const { id, at } of sent) {
      const got = arrivals[id] ?? []
      reachedMin = Math.min(reachedMin, got.length)
      for (const t of got) latencies.push(t - at)
    }
    if (reachedMin < urls.length) console.log(`an event reached only ${reachedMin} of ${urls.length} sockets within ${ARRIVAL_TIMEOUT_MS / 1000} s`)
    if (reachedMin < urls.length * 0.95) throw new Error(`an event reached only ${reachedMin} of ${urls.length} sockets`)
    clients.send({ type: 'close' })
    await clients.next('closed')
    return { latencies: latencies.sort((a, b) => a - b), perSocket, sample, reachedMin }
  } finally {
    await clients.stop()
  }
}

// The bare server pings nobody: the hub's protocol pings are spaced out of the measurement too.
const api = await startApi({ ...seeded.env, BENCH_WS_PER_TENANT: String(SOCKETS * 2), BENCH_WS_PING_MS: '600000' })
let bare: Awaited<ReturnType<typeof startBare>> | undefined
try {
  const wsBase = api.url.replace(/^http/, 'ws')
  const hub = await measure(api.child, seeded.users.map((u) => `${wsBase}/ws/license?token=${u.token}`), async () => {
    const at = clock()
    const event = await publishEvent(ctx, seeded.tenantId, { type: 'license_updated', data: { changes: ['organizationName'], severity: 'info', message: 'Your license was updated' } })
    return { id: event.id, at }
  }, () => allRegistered(api.url, SOCKETS))
  await api.child.stop()

  bare = await startBare('ws', { BENCH_REDIS_URL: redisUrl, BENCH_CHANNEL: CHANNEL })
  const shape = JSON.parse(hub.sample) as Record<string, unknown>
  const plain = await measure(bare.child, seeded.users.map(() => bare!.url), async (k) => {
    const id = `bare-${k}`
    const payload = JSON.stringify({ ...shape, id })
    const at = clock()
    await redis.publish(CHANNEL, payload)
    return { id, at }
  })

  const p99 = percentile(hub.latencies, 0.99)
  const bareP99 = percentile(plain.latencies, 0.99)
  record({
    name: 'fanout-p99', value: p99, unit: 'ms', baseline: bareP99, ratio: p99 / bareP99, p99, baselineP99: bareP99,
    goal: '<= 1.25x bare', met: p99 <= 1.25 * bareP99, sockets: SOCKETS, events: EVENTS,
    p50: percentile(hub.latencies, 0.5), baselineP50: percentile(plain.latencies, 0.5), reachedMin: hub.reachedMin,
  })
  record({
    name: 'fanout-memory-per-socket', value: hub.perSocket / 1024, unit: 'KiB', baseline: plain.perSocket / 1024,
    ratio: hub.perSocket / plain.perSocket, p99: null, goal: '<= 1.5x bare', met: hub.perSocket <= 1.5 * plain.perSocket, sockets: SOCKETS,
  })
} finally {
  await api.child.stop()
  await bare?.child.stop()
  await redis.quit()
  await seeded.db.destroy()
}

/**
 * Cost of the seat scripts (one Lua call each, atomic across api nodes) against a bare Redis
 * round trip measured in the same run, with a license holding 1,000 live seats.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { startRedis } from '@license-hub/local-servers'
import { admitSeat, createRedis, heartbeatSeat, rebuildSeats, redisKeys, seatKeys } from '@license-hub/redis'
import { report, type Figure } from './lib/report.js'

const CALLS = Number(process.env.BENCH_CALLS ?? 20_000)
const CONCURRENCY = 50
const SEATS = 1000
const LEASE_MS = 90_000

/** Runs `call` CALLS times, CONCURRENCY at once; returns calls per second. */
async function throughput(name: string, call: (i: number) => Promise<unknown>): Promise<Figure> {
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < CALLS) await call(next++)
  }))
  return { name, value: CALLS / ((performance.now() - started) / 1000), unit: 'calls/s' }
}

const dir = mkdtempSync(join(tmpdir(), 'license-hub-bench-'))
const server = await startRedis({ dataDir: dir })
const redis = createRedis(server.url)
try {
  const keys = seatKeys(redisKeys('bench:'), randomUUID(), randomUUID())
  const now = Date.now()
  const seats = Array.from({ length: SEATS }, (_, i) => ({ sessionId: randomUUID(), userId: `user-${i}`, deviceId: `device-${i}`, expiry: now + LEASE_MS }))
  await rebuildSeats(redis, keys, now, seats)

  await throughput('warm-up', () => redis.ping())
  const baseline = await throughput('PING round trip', () => redis.ping())
  const figures = [
    await throughput(`heartbeat (extend 1 of ${SEATS} seats)`, (i) => {
      const seat = seats[i % SEATS]!
      return heartbeatSeat(redis, keys, keys, { now: Date.now(), expiry: Date.now() + LEASE_MS, sessionId: seat.sessionId, userId: seat.userId, deviceId: seat.deviceId, restore: false })
    }),
    await throughput(`admission, same device (seat returned, ${SEATS} live)`, (i) => {
      const seat = seats[i % SEATS]!
      return admitSeat(redis, keys, { now: Date.now(), expiry: Date.now() + LEASE_MS, limit: SEATS, userId: seat.userId, deviceId: seat.deviceId, sessionId: randomUUID(), force: false })
    }),
    await throughput(`admission refused at the limit (${SEATS} live)`, (i) =>
      admitSeat(redis, keys, { now: Date.now(), expiry: Date.now() + LEASE_MS, limit: SEATS, userId: `newcomer-${i}`, deviceId: 'd', sessionId: randomUUID(), force: false })),
  ]
  report(`Seat scripts, ${CALLS} calls, ${CONCURRENCY} in flight`, baseline, figures, true)
} finally {
  redis.disconnect()
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}

/**
 * 6. Sync: an external license server holding 10,000 licenses, 5,000 of them ours (50 tenants of
 *    100 each); one full sync (first, then a repeat that finds nothing new) against the bare time
 *    to fetch and parse the same /licenses JSON. Goals: under 1 s, and <= 3x the bare time.
 */
import { performance } from 'node:perf_hooks'
import { pino } from 'pino'
import { request } from 'undici'
import { loadConfig } from '@license-hub/config'
import { insertTenant } from '@license-hub/db'
import { createLicenseServerClient } from '@license-hub/license-server'
import { createRedis, redisKeys } from '@license-hub/redis'
import { syncExternalLicenses, type LicensingContext } from '@license-hub/licensing'
import { seed } from './lib/fixtures.js'
import { benchDatabase } from './lib/servers.js'
import { benchFile, startChild } from './lib/child.js'
import { quick, record } from './lib/report.js'

const LICENSES = quick ? 200 : 10_000
const TENANTS = quick ? 5 : 50

const { databaseUrl, redisUrl } = await benchDatabase()
const seeded = await seed(databaseUrl, redisUrl, { users: 0, webrtcMaxUsers: 1 })
const fingerprints: string[] = [seeded.fingerprint]
for (let i = 1; i < TENANTS; i++) fingerprints.push((await insertTenant(seeded.db, { name: `Tenant ${i}`, fingerprint: `bench-tenant-${i}` })).fingerprint)
const server = startChild(benchFile('license-server.ts'), { BENCH_LICENSES: String(LICENSES), BENCH_FINGERPRINTS: fingerprints.join(',') })
const redis = createRedis(redisUrl, 'command')
const ctx: LicensingContext = {
  config: loadConfig(seeded.env),
  secrets: { jwtSecret: seeded.env.JWT_SECRET!, licensePrivateKey: seeded.keys.privateKey, licensePublicKey: seeded.keys.publicKey },
  db: seeded.db, redis, keys: redisKeys(), log: pino({ level: 'silent' }), now: () => new Date(),
}
try {
  const { url, bytes } = await server.next<{ url: string; bytes: number }>('ready')
  const bareOnce = async () => {
    const started = performance.now()
    const res = await request(`${url}/licenses`)
    const parsed = JSON.parse(await res.body.text()) as { data: unknown[] }
    if (parsed.data.length !== LICENSES) throw new Error('bare fetch read the wrong list')
    return performance.now() - started
  }
  await bareOnce()
  const bareTimes = [await bareOnce(), await bareOnce(), await bareOnce()].sort((a, b) => a - b)
  const bare = bareTimes[1]!
  const client = createLicenseServerClient({ url })
  const timed = async () => {
    const started = performance.now()
    const outcome = await syncExternalLicenses(ctx, client)
    if (outcome.status !== 'synced' || outcome.licensesSynced !== LICENSES / 2) throw new Error(`sync: ${JSON.stringify(outcome)}`)
    return { ms: performance.now() - started, outcome }
  }
  const first = await timed()
  const repeat = await timed()
  for (const [name, run] of [['sync-full', first], ['sync-repeat', repeat]] as const) {
    record({
      name, value: run.ms, unit: 'ms', baseline: bare, ratio: run.ms / bare, p99: null,
      goal: '< 1000 ms and <= 3x bare fetch+parse', met: run.ms < 1000 && run.ms <= 3 * bare,
      licenses: LICENSES, ours: LICENSES / 2, tenants: TENANTS, changed: run.outcome.changed, answerBytes: bytes,
    })
  }
} finally {
  await server.stop()
  await redis.quit()
  await seeded.db.destroy()
}

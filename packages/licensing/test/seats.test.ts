import t from 'tap'
import { sql } from 'kysely'
import { loadConfig } from '@license-hub/config'
import { insertUser, type Tenant } from '@license-hub/db'
import {
  createSession, endLapsedSessions, ensureDefaults, issueDeveloperLicense, issueLocalLicense, rebuildFromPostgres, resolveLicense,
  sessionCount, validateSession, type LicensingContext,
} from '@license-hub/licensing'
import { countSeats, rebuildSeats, redisKeys, releaseSeats, seatKeys } from '@license-hub/redis'
import { captureLog, redisPrefix, testDb, testRedis, testSecrets } from '@license-hub/test-support'

type Teardown = { teardown: (fn: () => unknown) => void }

/** A licensing context of this test's own (database, Redis prefix), with a clock it moves and captured logs. */
async function seatsContext(t: Teardown) {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password' })
  const secrets = testSecrets()
  const db = await testDb(t)
  const log = captureLog('seats')
  const clock = { at: Date.now() }
  const defaults = await ensureDefaults(db, config, secrets)
  const ctx: LicensingContext = {
    config, secrets, db, redis: testRedis(t), keys: redisKeys(redisPrefix()), log: log.logger, now: () => new Date(clock.at),
  }
  const advance = (sec: number) => { clock.at += sec * 1000 }
  let n = 0
  const user = async (tenantId = defaults.tenant.id) => {
    const row = await insertUser(db, { tenantId, email: `seat-${n++}-${Math.random().toString(36).slice(2)}@example.test`, name: 'U', passwordHash: 'x' })
    return { id: row.id, tenantId }
  }
  const seats = async (tenantId: string, count: number, fingerprint: string) => issueLocalLicense(db, secrets.licensePrivateKey, {
    tenantId, organizationName: 'Seat Co', serverFingerprint: fingerprint, licenseTypeId: 3, expiresAt: null, webrtcMaxUsers: count,
  })
  return { ctx, log, defaults, advance, user, seats }
}

t.test('endLapsedSessions ends each lapsed session once across concurrent workers, frees its seat and tells its user', async (t) => {
  const { ctx, log, defaults, advance, user, seats } = await seatsContext(t)
  const tenant: Tenant = defaults.tenant
  await seats(tenant.id, 10, tenant.fingerprint)
  const otherTenant = await ctx.db.insertInto('tenants').values({ name: 'Other', fingerprint: 'fp-other-seats' }).returningAll().executeTakeFirstOrThrow()
  await issueDeveloperLicense(ctx.db, ctx.secrets.licensePrivateKey, otherTenant)

  const stale = [await user(), await user(), await user(), await user(otherTenant.id)]
  const staleSeats = []
  for (const u of stale) staleSeats.push(await createSession(ctx, u, { deviceId: 'd' }))
  advance(60)
  const fresh = await user()
  const freshSeat = await createSession(ctx, fresh, { deviceId: 'd' })
  advance(31) // the stale ones are now 91 s old: past the 90 s lease; the fresh one 31 s
  // Redis forgets one tenant's seats: the cleanup still ends them, from Postgres.
  const license = (await resolveLicense(ctx, tenant.id)).summary
  await ctx.redis.del(...Object.values(seatKeys(ctx.keys, tenant.id, license.id)))

  const counts = await Promise.all([endLapsedSessions(ctx), endLapsedSessions(ctx), endLapsedSessions(ctx)])
  t.equal(counts.reduce((a, b) => a + b, 0), 4, 'four lapsed sessions ended, by whichever worker got each')
  const rows = await ctx.db.selectFrom('clientSessions').selectAll().execute()
  for (const seat of staleSeats) t.match(rows.find((r) => r.id === seat.sessionId), { endReason: 'expired', endedAt: Date })
  t.match(rows.find((r) => r.id === freshSeat.sessionId), { endReason: null, endedAt: null }, 'a session within its lease is untouched')

  const events = await ctx.db.selectFrom('events').selectAll().where('type', '=', 'session_ended').execute()
  t.equal(events.length, 4, 'each user is told once')
  t.same(events.map((e) => (e.data as { userId: string }).userId).sort(), stale.map((u) => u.id).sort())
  t.ok(events.every((e) => (e.data as { reason: string }).reason === 'expired'))
  t.equal(log.lines.filter((l) => l.code === 'SESSION_ENDED' && l.reason === 'expired' && l.tenantId && l.userId).length, 4, 'one log line per end')

  t.equal((await sessionCount(ctx, tenant.id)).activeSessions, 1, 'only the fresh seat counts, after the rebuild')
  t.equal((await sessionCount(ctx, otherTenant.id)).activeSessions, 0, 'the other tenant\'s lapsed seat was freed in Redis')
  t.equal(await endLapsedSessions(ctx), 0, 'nothing left to do')
})

t.test('a cleanup stores the session_ended events of one tenant in one statement, each to its own user', async (t) => {
  const { ctx, defaults, advance, user, seats } = await seatsContext(t)
  const tenant: Tenant = defaults.tenant
  await seats(tenant.id, 10, tenant.fingerprint)
  const otherTenant = await ctx.db.insertInto('tenants').values({ name: 'Other', fingerprint: 'fp-other-cleanup' }).returningAll().executeTakeFirstOrThrow()
  await issueDeveloperLicense(ctx.db, ctx.secrets.licensePrivateKey, otherTenant)
  const ours = [await user(), await user(), await user()]
  const theirs = await user(otherTenant.id)
  const sessions = new Map<string, string>()
  for (const u of [...ours, theirs]) sessions.set((await createSession(ctx, u, { deviceId: 'd' })).sessionId, u.id)
  advance(91) // past the 90 s lease

  t.equal(await endLapsedSessions(ctx), 4)
  const events = await ctx.db.selectFrom('events').select(['tenantId', 'data', sql<string>`xmin::text`.as('writer')])
    .where('type', '=', 'session_ended').orderBy('id').execute()
  const ofTenant = events.filter((e) => e.tenantId === tenant.id)
  t.equal(ofTenant.length, 3)
  t.equal(new Set(ofTenant.map((e) => e.writer)).size, 1, 'the tenant\'s three events share one transaction')
  const other = events.find((e) => e.tenantId === otherTenant.id)
  t.ok(other && other.writer !== ofTenant[0]!.writer, 'the other tenant\'s event is its own statement')
  for (const e of events) {
    const data = e.data as { sessionId: string; userId: string; reason: string }
    t.equal(data.userId, sessions.get(data.sessionId), 'each event names the user whose session it ended')
    t.equal(data.reason, 'expired')
  }
})

t.test('rebuilds racing on many callers load the seats once, from the sessions live in Postgres', async (t) => {
  const { ctx, log, defaults, advance, user, seats } = await seatsContext(t)
  const tenant = defaults.tenant
  const license = await seats(tenant.id, 10, tenant.fingerprint)
  const early = await createSession(ctx, await user(), { deviceId: 'd' })
  advance(60)
  for (let i = 0; i < 3; i++) await createSession(ctx, await user(), { deviceId: 'd' })
  advance(40) // `early` has lapsed (100 s), the three others are live
  const keys = seatKeys(ctx.keys, tenant.id, license.id)
  await ctx.redis.del(keys.seats, keys.owners, keys.users, keys.loaded)

  const before = log.lines.length
  await Promise.all(Array.from({ length: 8 }, () => rebuildFromPostgres(ctx, tenant.id, license.id)))
  t.equal(log.lines.slice(before).filter((l) => l.code === 'SEATS_REBUILT').length, 1, 'one caller rebuilt, the others found it done')
  t.equal((await countSeats(ctx.redis, keys, ctx.now().getTime())).activeSessions, 3)
  t.equal(await ctx.redis.zscore(keys.seats, early.sessionId), null, 'the lapsed session is not seated')
})

t.test('a rebuild that read Postgres before a release does not bring the released seat back', async (t) => {
  const { ctx } = await seatsContext(t)
  const keys = seatKeys(ctx.keys, 'tenant-x', 'license-x')
  const now = Date.now()
  const stale = [
    { sessionId: 's1', userId: 'u1', deviceId: 'd', expiry: now + 60_000 },
    { sessionId: 's2', userId: 'u2', deviceId: 'd', expiry: now + 60_000 },
  ]
  // s1 ends (Postgres first, then the release) between the rebuild's read and its script.
  await releaseSeats(ctx.redis, keys, 90_000, ['s1'])
  const { rebuilt, activeSessions } = await rebuildSeats(ctx.redis, keys, now, stale)
  t.ok(rebuilt)
  t.equal(activeSessions, 1)
  t.equal(await ctx.redis.zscore(keys.seats, 's1'), null)
  t.equal(await ctx.redis.exists(keys.released), 0, 'the memory of releases goes with the rebuild')
  t.same(await rebuildSeats(ctx.redis, keys, now, stale), { rebuilt: false, activeSessions: 1 }, 'a second rebuild changes nothing')
})

t.test('a heartbeat moves a seat to the license that came into force, and Postgres follows', async (t) => {
  const { ctx, defaults, user, seats } = await seatsContext(t)
  const tenant = defaults.tenant
  const developer = (await resolveLicense(ctx, tenant.id)).summary
  const u = await user()
  const seat = await createSession(ctx, u, { deviceId: 'd' })
  t.equal(seat.webrtcMaxUsers, 1, 'admitted on the Developer license')

  const enterprise = await seats(tenant.id, 5, tenant.fingerprint)
  await ctx.redis.del(ctx.keys.licenseCache(tenant.id))
  const beat = await validateSession(ctx, u, seat.sessionId)
  t.match(beat, { valid: true, activeSessions: 1, webrtcMaxUsers: 5, license: { id: enterprise.id } })
  const row = await ctx.db.selectFrom('clientSessions').select('licenseId').where('id', '=', seat.sessionId).executeTakeFirstOrThrow()
  t.equal(row.licenseId, enterprise.id)
  const old = await countSeats(ctx.redis, seatKeys(ctx.keys, tenant.id, developer.id), ctx.now().getTime())
  t.equal(old.activeSessions, 0, 'the seat left the old license')
  t.equal((await sessionCount(ctx, tenant.id)).activeSessions, 1)
})

t.test('creation, refusal and end each log one line with tenantId, userId and code', async (t) => {
  const { ctx, log, user } = await seatsContext(t)
  const [a, b] = [await user(), await user()]
  const seat = await createSession(ctx, a, { deviceId: 'd' })
  await t.rejects(createSession(ctx, b, { deviceId: 'd' }), { code: 'USER_LIMIT_REACHED' })
  await t.rejects(createSession(ctx, a, { deviceId: 'other' }), { code: 'CONCURRENT_SESSION' })
  const { endSession } = await import('@license-hub/licensing')
  await endSession(ctx, { ...a, role: 'user' }, seat.sessionId)
  for (const [userId, code] of [[a.id, 'SESSION_CREATED'], [b.id, 'USER_LIMIT_REACHED'], [a.id, 'CONCURRENT_SESSION'], [a.id, 'SESSION_ENDED']] as const) {
    const lines = log.lines.filter((l) => l.code === code && l.userId === userId)
    t.equal(lines.length, 1, code)
    t.equal(lines[0]?.tenantId, a.tenantId)
  }
  t.equal(log.lines.find((l) => l.code === 'SESSION_ENDED')?.reason, 'logout')
})

t.test('a create-session racing with the user\'s access switch-off waits for it and refuses: no session, no seat', async (t) => {
  const { ctx, log, defaults, user, seats } = await seatsContext(t)
  const tenant = defaults.tenant
  await seats(tenant.id, 10, tenant.fingerprint)
  const u = await user()
  let settled = false
  let create: Promise<unknown> | undefined
  await ctx.db.transaction().execute(async (trx) => {
    // The switch-off is written but not committed: the create's own check still sees the access on.
    await trx.updateTable('users').set({ webrtcEnabled: false }).where('id', '=', u.id).execute()
    create = createSession(ctx, u, { deviceId: 'd' }).finally(() => { settled = true })
    create.catch(() => {})
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.notOk(settled, 'the session row waits for the user\'s row')
  })
  await t.rejects(create!, { code: 'USER_NOT_ALLOCATED' }, 'refused once the switch-off committed')
  t.equal((await ctx.db.selectFrom('clientSessions').selectAll().where('userId', '=', u.id).execute()).length, 0, 'no session row')
  t.equal((await sessionCount(ctx, tenant.id)).activeSessions, 0, 'the seat the script gave was freed')
  t.equal(log.lines.filter((l) => l.code === 'USER_NOT_ALLOCATED' && l.userId === u.id).length, 1, 'the refusal logs one line')
})

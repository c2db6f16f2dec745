import { Writable } from 'node:stream'
import t from 'tap'
import { pino } from 'pino'
import { AppError, type LicenseSummary } from '@license-hub/contract'
import { loadConfig } from '@license-hub/config'
import { generateKeyPair } from '@license-hub/core'
import { insertLicense, insertTenant, listLicensesForSync, type Db, type Tenant } from '@license-hub/db'
import { LICENSE_CACHE_TTL_SEC, redisKeys } from '@license-hub/redis'
import {
  allocationInForce, assertLicenseUsable, assertWebrtcAccess, invalidateLicenseCache, issueDeveloperLicense, issueLocalLicense,
  licensesInForce, parseLicenseDate, requestedLicenseDates, resolveLicense, verifyLocalLicense, type LicensingContext,
} from '@license-hub/licensing'
import { redisPrefix, testDb, testRedis, testSecrets } from '@license-hub/test-support'

type Teardown = Parameters<typeof testDb>[0]
const HOUR = 3600_000

async function context(t: Teardown) {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l)); done() } })
  const clock = { now: new Date() }
  const ctx: LicensingContext = {
    config: loadConfig({ NODE_ENV: 'test', LICENSE_SYNC_GRACE: '1h' }),
    secrets: testSecrets(),
    db: await testDb(t),
    redis: testRedis(t),
    keys: redisKeys(redisPrefix()),
    log: pino({ level: 'debug' }, stream),
    now: () => clock.now,
  }
  const tenant = await insertTenant(ctx.db, { name: 'Acme', fingerprint: `fp-${Math.random().toString(36).slice(2)}` })
  return { ctx, clock, lines, tenant }
}

function external(db: Db, tenant: Tenant, overrides: Partial<Parameters<typeof insertLicense>[1]> = {}) {
  return insertLicense(db, {
    source: 'external', externalId: `ext-${Math.random().toString(36).slice(2)}`, tenantId: tenant.id,
    organizationName: 'Acme External', serverFingerprint: tenant.fingerprint, status: 'active', maxUsers: 50,
    webrtcMaxUsers: 25, webrtcAllocation: null, licenseTypeId: 3, features: JSON.stringify({ calls: true, webrtc_extension: true }),
    raw: null, signature: null, issuedAt: new Date('2026-01-01T00:00:00Z'), expiresAt: null, lastSyncedAt: new Date(),
    withdrawnAt: null, ...overrides,
  })
}

/** Resolves from Postgres every time (the cache is tested on its own). */
async function fresh(ctx: LicensingContext, tenantId: string) {
  await invalidateLicenseCache(ctx, tenantId)
  return resolveLicense(ctx, tenantId)
}

async function code(work: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof work === 'function' ? work() : work)
    return undefined
  } catch (err) {
    if (err instanceof AppError) return err.code
    throw err
  }
}

t.test('licensesInForce from the rows a sync already read answers as from its own read: withdrawn copies never count', async (t) => {
  const { ctx, tenant } = await context(t)
  const local = await issueDeveloperLicense(ctx.db, ctx.secrets.licensePrivateKey, tenant)
  await external(ctx.db, tenant, { withdrawnAt: new Date(), lastSyncedAt: new Date(Date.now() + 1000) })
  const other = await insertTenant(ctx.db, { name: 'Other', fingerprint: `fp-${Math.random().toString(36).slice(2)}` })
  const theirs = await external(ctx.db, other)
  const read = await listLicensesForSync(ctx.db)
  t.ok(read.some((r) => r.withdrawnAt !== null), 'the sync\'s read holds the withdrawn copy')
  const given = await licensesInForce(ctx, [tenant.id, other.id], read)
  t.same([given.get(tenant.id)?.id, given.get(other.id)?.id], [local.id, theirs.id], 'the local floor, and the other tenant\'s copy')
  t.same(given, await licensesInForce(ctx, [tenant.id, other.id]), 'the same answers as its own read')
})

t.test('an active external license matching the fingerprint wins over the local one', async (t) => {
  const { ctx, tenant } = await context(t)
  const local = await issueDeveloperLicense(ctx.db, ctx.secrets.licensePrivateKey, tenant)
  t.equal((await fresh(ctx, tenant.id)).summary.id, local.id, 'the local floor while there is no external license')
  await external(ctx.db, tenant, { serverFingerprint: 'someone-else' })
  await external(ctx.db, tenant, { withdrawnAt: new Date() })
  t.equal((await fresh(ctx, tenant.id)).summary.id, local.id, 'another fingerprint and withdrawn copies do not count')
  const ext = await external(ctx.db, tenant)
  const resolved = await fresh(ctx, tenant.id)
  t.equal(resolved.summary.id, ext.id)
  t.equal(resolved.summary.source, 'external')
  t.equal(resolved.reason, 'external')
  t.equal(resolved.summary.webrtcMaxUsers, 25)
})

t.test('a synced external license stays in force for LICENSE_SYNC_GRACE after its last sync, then the local one applies', async (t) => {
  const { ctx, clock, tenant } = await context(t)
  const local = await issueDeveloperLicense(ctx.db, ctx.secrets.licensePrivateKey, tenant)
  const ext = await external(ctx.db, tenant, { lastSyncedAt: new Date(clock.now.getTime() - 50 * 60_000) })
  t.equal((await fresh(ctx, tenant.id)).summary.id, ext.id, '50 minutes after the last sync (grace 1h)')
  clock.now = new Date(clock.now.getTime() + 20 * 60_000)
  const after = await fresh(ctx, tenant.id)
  t.equal(after.summary.id, local.id, '70 minutes after: the local license')
  t.equal(after.reason, 'local:grace-expired')
  t.equal(after.summary.source, 'local')
})

t.test('features stored as an object or a string read the same; a malformed string is no features and a warning', async (t) => {
  const { ctx, tenant, lines } = await context(t)
  const features = { calls: true, webrtc_extension: true, sms: false }
  const other = await insertTenant(ctx.db, { name: 'Other', fingerprint: `fp-other-${tenant.fingerprint}` })
  await external(ctx.db, tenant, { features: JSON.stringify(features) })
  await external(ctx.db, other, { features: JSON.stringify(JSON.stringify(features)) })
  t.same((await fresh(ctx, tenant.id)).summary.features, features)
  t.same((await fresh(ctx, other.id)).summary.features, features)

  const broken = await insertTenant(ctx.db, { name: 'Broken', fingerprint: `fp-broken-${tenant.fingerprint}` })
  const row = await external(ctx.db, broken, { features: JSON.stringify('{"calls": tru') })
  const resolved = await fresh(ctx, broken.id)
  t.same(resolved.summary.features, {})
  t.equal(resolved.summary.webrtcEnabled, false)
  t.equal(await code(() => assertWebrtcAccess(resolved.summary, { webrtcEnabled: true }, ctx.now())), 'FEATURE_NOT_LICENSED')
  t.ok(lines.some((l) => l.level === 40 && l.licenseId === row.id && /malformed/.test(String(l.msg))), 'a warning names the license')
})

t.test('a tampered or unsigned local license is refused and logged; the next valid one applies, else LICENSE_NOT_FOUND', async (t) => {
  const { ctx, tenant, lines } = await context(t)
  const floor = await issueDeveloperLicense(ctx.db, ctx.secrets.licensePrivateKey, tenant)
  const pro = await issueLocalLicense(ctx.db, ctx.secrets.licensePrivateKey, {
    tenantId: tenant.id, organizationName: 'Acme', serverFingerprint: tenant.fingerprint, licenseTypeId: 2, expiresAt: null,
  })
  t.equal((await fresh(ctx, tenant.id)).summary.id, pro.id, 'the latest issued applies')

  const tampered = { webrtcMaxUsers: 5000 }
  await ctx.db.updateTable('serverLicenses').set(tampered).where('id', '=', pro.id).execute()
  t.equal((await fresh(ctx, tenant.id)).summary.id, floor.id, 'the tampered license gives way to the floor')
  t.ok(lines.some((l) => l.code === 'LICENSE_SIGNATURE_INVALID' && l.licenseId === pro.id && l.tenantId === tenant.id && l.level === 50), 'refusal logged')

  await ctx.db.updateTable('serverLicenses').set({ signature: null }).where('id', '=', floor.id).execute()
  t.equal(await code(fresh(ctx, tenant.id)), 'LICENSE_NOT_FOUND', 'unsigned too: nothing is left')
})

t.test('verifyLocalLicense: every signed field counts; another key pair does not verify', async (t) => {
  const { ctx, tenant } = await context(t)
  const row = await issueDeveloperLicense(ctx.db, ctx.secrets.licensePrivateKey, tenant)
  t.ok(verifyLocalLicense(row, ctx.secrets.licensePublicKey))
  t.notOk(verifyLocalLicense(row, generateKeyPair().publicKey), 'a different public key')
  const changes: Array<Partial<typeof row>> = [
    { organizationName: 'Evil' }, { serverFingerprint: 'x' }, { licenseTypeId: 3 }, { status: 'suspended' }, { maxUsers: 2 },
    { webrtcMaxUsers: 9 }, { features: JSON.stringify({ calls: true }) }, { issuedAt: new Date(row.issuedAt.getTime() - 1) },
    { expiresAt: new Date('2099-01-01T00:00:00Z') }, { tenantId: '00000000-0000-0000-0000-000000000000' },
  ]
  for (const change of changes) t.notOk(verifyLocalLicense({ ...row, ...change }, ctx.secrets.licensePublicKey), Object.keys(change).join())
  const restored = { ...row, features: JSON.stringify(JSON.stringify(row.features)), webrtcAllocation: 0 }
  t.ok(verifyLocalLicense(restored, ctx.secrets.licensePublicKey),
    'the same features stored as a string, and the admin\'s allocation (not signed), still verify')
})

t.test('a local license issued in the future (a clock turned back) is refused until its time comes', async (t) => {
  const { ctx, clock, tenant, lines } = await context(t)
  const floor = await issueDeveloperLicense(ctx.db, ctx.secrets.licensePrivateKey, tenant)
  const future = await issueLocalLicense(ctx.db, ctx.secrets.licensePrivateKey, {
    tenantId: tenant.id, organizationName: 'Acme', serverFingerprint: tenant.fingerprint, licenseTypeId: 3,
    expiresAt: null, issuedAt: new Date(clock.now.getTime() + 2 * HOUR),
  })
  t.equal((await fresh(ctx, tenant.id)).summary.id, floor.id)
  t.ok(lines.some((l) => l.code === 'LICENSE_ISSUED_IN_FUTURE' && l.licenseId === future.id))
  clock.now = new Date(clock.now.getTime() + 3 * HOUR)
  t.equal((await fresh(ctx, tenant.id)).summary.id, future.id, 'in force once the clock has passed its issue time')
})

t.test('an expired local license gives way to one in force; alone it answers LICENSE_EXPIRED', async (t) => {
  const { ctx, clock, tenant } = await context(t)
  const issuedAt = new Date(clock.now.getTime() - 48 * HOUR)
  const expiring = await issueLocalLicense(ctx.db, ctx.secrets.licensePrivateKey, {
    tenantId: tenant.id, organizationName: 'Acme', serverFingerprint: tenant.fingerprint, licenseTypeId: 2,
    issuedAt, expiresAt: new Date(clock.now.getTime() + HOUR),
  })
  const alone = await fresh(ctx, tenant.id)
  t.equal(alone.summary.id, expiring.id)
  t.equal(await code(() => assertLicenseUsable(alone.summary, ctx.now())), undefined)
  clock.now = new Date(clock.now.getTime() + 2 * HOUR)
  const expired = await fresh(ctx, tenant.id)
  t.equal(expired.summary.id, expiring.id, 'alone, the expired license still answers for the tenant')
  t.equal(await code(() => assertLicenseUsable(expired.summary, ctx.now())), 'LICENSE_EXPIRED')

  const floor = await issueLocalLicense(ctx.db, ctx.secrets.licensePrivateKey, {
    tenantId: tenant.id, organizationName: 'Acme', serverFingerprint: tenant.fingerprint, licenseTypeId: 4, issuedAt, expiresAt: null,
  })
  t.equal((await fresh(ctx, tenant.id)).summary.id, floor.id, 'a license in force wins over an expired one')
})

t.test('external inactive or expired licenses answer for the tenant (the license server said so)', async (t) => {
  const { ctx, tenant } = await context(t)
  await issueDeveloperLicense(ctx.db, ctx.secrets.licensePrivateKey, tenant)
  const suspended = await external(ctx.db, tenant, { status: 'Suspended' })
  const resolved = await fresh(ctx, tenant.id)
  t.equal(resolved.summary.id, suspended.id)
  t.equal(await code(() => assertLicenseUsable(resolved.summary, ctx.now())), 'LICENSE_INACTIVE')
  const active = await external(ctx.db, tenant, { status: 'ACTIVE' })
  t.equal((await fresh(ctx, tenant.id)).summary.id, active.id, 'an active copy is preferred, whatever the case of its status')
})

t.test('the resolved license is cached for 5 minutes and re-read after invalidation', async (t) => {
  const { ctx, tenant } = await context(t)
  const floor = await issueDeveloperLicense(ctx.db, ctx.secrets.licensePrivateKey, tenant)
  t.equal((await resolveLicense(ctx, tenant.id)).summary.id, floor.id)
  const ttl = await ctx.redis.ttl(ctx.keys.licenseCache(tenant.id))
  t.ok(ttl > 0 && ttl <= LICENSE_CACHE_TTL_SEC, `ttl ${ttl}`)
  t.equal(LICENSE_CACHE_TTL_SEC, 300)
  const ext = await external(ctx.db, tenant)
  t.equal((await resolveLicense(ctx, tenant.id)).summary.id, floor.id, 'served from the cache')
  await invalidateLicenseCache(ctx, tenant.id)
  t.equal((await resolveLicense(ctx, tenant.id)).summary.id, ext.id, 'read again after invalidation')
  await ctx.redis.set(ctx.keys.licenseCache(tenant.id), '{not json')
  t.equal((await resolveLicense(ctx, tenant.id)).summary.id, ext.id, 'a corrupt cache entry is ignored')
  t.equal(await code(resolveLicense(ctx, '00000000-0000-0000-0000-000000000000')), 'LICENSE_NOT_FOUND', 'an unknown tenant')
})

t.test('assertWebrtcAccess follows the contract\'s order, first failure wins', async (t) => {
  const base: LicenseSummary = {
    id: '00000000-0000-0000-0000-000000000001', source: 'local', organizationName: 'Acme', status: 'active',
    licenseType: { id: 2, name: 'Professional', features: {}, maxConcurrentUsers: 5 }, features: { webrtc_extension: true },
    webrtcEnabled: true, maxUsers: 5, webrtcMaxUsers: 5, issuedAt: '2026-01-01T00:00:00.000Z', expiresAt: null, lastSyncedAt: null,
  }
  const now = new Date('2026-06-01T00:00:00Z')
  const past = '2026-01-02T00:00:00.000Z'
  const cases: Array<[string, Partial<LicenseSummary>, boolean, string | undefined]> = [
    ['everything wrong', { status: 'inactive', expiresAt: past, webrtcEnabled: false, webrtcMaxUsers: 0 }, false, 'LICENSE_INACTIVE'],
    ['expired, no feature', { expiresAt: past, webrtcEnabled: false, webrtcMaxUsers: 0 }, false, 'LICENSE_EXPIRED'],
    ['status expired', { status: 'expired' }, true, 'LICENSE_EXPIRED'],
    ['no feature, no allocation', { webrtcEnabled: false, webrtcMaxUsers: 0 }, false, 'FEATURE_NOT_LICENSED'],
    ['no allocation, user off', { webrtcMaxUsers: 0 }, false, 'NO_ALLOCATION'],
    ['user off', {}, false, 'USER_NOT_ALLOCATED'],
    ['all good', {}, true, undefined],
    ['expires later', { expiresAt: '2027-01-01T00:00:00.000Z' }, true, undefined],
  ]
  for (const [name, patch, userOn, expected] of cases) {
    t.equal(await code(() => assertWebrtcAccess({ ...base, ...patch }, { webrtcEnabled: userOn }, now)), expected, name)
  }
})

t.test('allocationInForce: the admin\'s allocation caps the license server\'s', async (t) => {
  t.equal(allocationInForce({ webrtcMaxUsers: 10, webrtcAllocation: null }), 10)
  t.equal(allocationInForce({ webrtcMaxUsers: 10, webrtcAllocation: 3 }), 3)
  t.equal(allocationInForce({ webrtcMaxUsers: 2, webrtcAllocation: 3 }), 2)
  t.equal(allocationInForce({ webrtcMaxUsers: 10, webrtcAllocation: 0 }), 0)
})

t.test('requested license dates: date-only expiries last the day; the future and the past are refused', async (t) => {
  const now = new Date('2026-06-01T12:00:00Z')
  t.equal(parseLicenseDate('2027-12-31', 'expires_at', true).toISOString(), '2027-12-31T23:59:59.999Z')
  t.equal(parseLicenseDate('2024-01-01', 'issued_at', false).toISOString(), '2024-01-01T00:00:00.000Z')
  t.same(requestedLicenseDates({}, now), { issuedAt: now, expiresAt: null })
  t.same(requestedLicenseDates({ issuedAt: '2024-01-01T00:00:00Z', expiresAt: '2027-12-31' }, now),
    { issuedAt: new Date('2024-01-01T00:00:00Z'), expiresAt: new Date('2027-12-31T23:59:59.999Z') })
  for (const [input, field] of [
    [{ issuedAt: '2026-06-02T00:00:00Z' }, /issued_at/], [{ expiresAt: '2026-05-31' }, /expires_at/],
    [{ expiresAt: 'tomorrow' }, /expires_at/], [{ issuedAt: '31/12/2024' }, /issued_at/],
    [{ issuedAt: '2026-05-01T00:00:00Z', expiresAt: '2026-04-01T00:00:00Z' }, /expires_at/],
  ] as const) {
    t.throws(() => requestedLicenseDates(input, now), { code: 'VALIDATION_ERROR', message: field }, JSON.stringify(input))
  }
})

import t from 'tap'
import { sql } from 'kysely'
import { insertLicense, updateLicense } from '@license-hub/db'
import { scanExpiry, type LicensingContext } from '@license-hub/licensing'
import { licensingContext } from '@license-hub/test-support/licensing'

const DAY = 86_400_000

async function externalLicense(ctx: LicensingContext, tenant: { id: string; fingerprint: string }, expiresAt: Date) {
  return insertLicense(ctx.db, {
    source: 'external', externalId: 'ext-1', tenantId: tenant.id, organizationName: 'Acme Corp', serverFingerprint: tenant.fingerprint,
    status: 'active', maxUsers: 50, webrtcMaxUsers: 25, webrtcAllocation: null, licenseTypeId: 2,
    features: JSON.stringify({ calls: true, webrtc_extension: true }), raw: null, signature: null,
    issuedAt: new Date('2024-01-01T00:00:00Z'), expiresAt, lastSyncedAt: ctx.now(), withdrawnAt: null,
  })
}

const eventsOf = (ctx: LicensingContext, tenantId: string, type: string) =>
  ctx.db.selectFrom('events').selectAll().where('tenantId', '=', tenantId).where('type', '=', type).execute()

t.test('license_expiring goes out at most once a day per license, however many scans run', async (t) => {
  const { ctx, defaults, clock } = await licensingContext(t)
  const license = await externalLicense(ctx, defaults.tenant, new Date(clock.now.getTime() + 10 * DAY))

  const [a, b] = await Promise.all([scanExpiry(ctx), scanExpiry(ctx)])
  t.equal(a.expiring + b.expiring, 1, 'two workers scanning together tell once')
  await scanExpiry(ctx)
  let events = await eventsOf(ctx, defaults.tenant.id, 'license_expiring')
  t.equal(events.length, 1, 'a later scan the same day tells nothing')
  t.match(events[0]?.data, { daysLeft: 10, severity: 'warning', licenseId: license.id, expiresAt: license.expiresAt!.toISOString() })

  // The next day (as far as the events table can tell), it is told again.
  await sql`update events set created_at = created_at - interval '1 day'`.execute(ctx.db)
  await scanExpiry(ctx)
  events = await eventsOf(ctx, defaults.tenant.id, 'license_expiring')
  t.equal(events.length, 2)
})

t.test('a license expiring in more than 30 days, or never, is not reported', async (t) => {
  const { ctx, defaults, clock } = await licensingContext(t)
  t.match(await scanExpiry(ctx), { scanned: 1, expiring: 0, expired: 0 }, 'the Developer license never expires')
  await externalLicense(ctx, defaults.tenant, new Date(clock.now.getTime() + 31 * DAY))
  t.match(await scanExpiry(ctx), { expiring: 0, expired: 0 })
})

t.test('license_expired goes out once when the license in force has expired', async (t) => {
  const { ctx, defaults, clock } = await licensingContext(t)
  const expiresAt = new Date(clock.now.getTime() + DAY)
  const license = await externalLicense(ctx, defaults.tenant, expiresAt)
  clock.now = new Date(expiresAt.getTime() + 60_000)
  await ctx.db.updateTable('serverLicenses').set({ lastSyncedAt: clock.now }).where('id', '=', license.id).execute()

  t.match(await scanExpiry(ctx), { expired: 1 })
  t.match(await scanExpiry(ctx), { expired: 0 })
  const events = await eventsOf(ctx, defaults.tenant.id, 'license_expired')
  t.equal(events.length, 1)
  t.match(events[0]?.data, { expiredAt: expiresAt.toISOString(), severity: 'error', message: 'Your license has expired', licenseId: license.id })
  t.equal((await eventsOf(ctx, defaults.tenant.id, 'license_expiring')).length, 0, 'an expired license is not "expiring"')
})

t.test('license_expired is told again when a renewed license expires again, once each time', async (t) => {
  const { ctx, defaults, clock } = await licensingContext(t)
  const tenantId = defaults.tenant.id
  const license = await externalLicense(ctx, defaults.tenant, new Date(clock.now.getTime() + DAY))

  clock.now = new Date(clock.now.getTime() + 2 * DAY)
  t.equal((await scanExpiry(ctx)).expired, 1)
  t.equal((await scanExpiry(ctx)).expired, 0, 'once for this expiry')

  // Renewed by a sync: a new date, synced now (so it stays in force within LICENSE_SYNC_GRACE).
  const renewedUntil = new Date(clock.now.getTime() + 2 * DAY)
  await updateLicense(ctx.db, tenantId, license.id, { expiresAt: renewedUntil, lastSyncedAt: clock.now })
  t.equal((await scanExpiry(ctx)).expired, 0, 'the renewed license is not expired')

  clock.now = new Date(renewedUntil.getTime() + 3_600_000)
  const [a, b] = await Promise.all([scanExpiry(ctx), scanExpiry(ctx)])
  t.equal(a.expired + b.expired, 1, 'expired again: told again, once however many scan')
  const events = await eventsOf(ctx, tenantId, 'license_expired')
  t.equal(events.length, 2)
  t.match(events[0]?.data, { licenseId: license.id, expiredAt: license.expiresAt!.toISOString() })
  t.match(events[1]?.data, { licenseId: license.id, expiredAt: renewedUntil.toISOString(), licenseExpiresAt: renewedUntil.toISOString() })
})

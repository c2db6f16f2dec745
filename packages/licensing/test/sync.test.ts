import t from 'tap'
import { createLicenseServerClient } from '@license-hub/license-server'
import { findLicenseType, insertTenant, insertUser, listExternalLicenses } from '@license-hub/db'
import { createSession, resolveLicense, syncExternalLicenses, type LicensingContext } from '@license-hub/licensing'
import { fakeLicense, type FakeLicenseServer, professionalType, refusedUrl, startFakeLicenseServer } from '@license-hub/test-support'
import { licensingContext } from '@license-hub/test-support/licensing'

type Teardown = { teardown: (fn: () => unknown) => void }

function clientFor(t: Teardown, url: string) {
  const client = createLicenseServerClient({ url, apiKey: 'internal-key-123', connectTimeoutMs: 300, responseTimeoutMs: 300, retries: 1, retryDelayMs: 10 })
  t.teardown(() => client.close())
  return client
}

async function eventsOf(ctx: LicensingContext, tenantId: string, type?: string) {
  let query = ctx.db.selectFrom('events').selectAll().where('tenantId', '=', tenantId).orderBy('id')
  if (type) query = query.where('type', '=', type)
  return query.execute()
}

async function syncedSetup(t: Teardown) {
  const setup = await licensingContext(t)
  const fake = await startFakeLicenseServer(t)
  const license = fakeLicense(setup.defaults.fingerprint)
  fake.licenses = [license, fakeLicense('someone-else')]
  const client = clientFor(t, fake.url)
  const first = await syncExternalLicenses(setup.ctx, client)
  return { ...setup, fake, license, client, first }
}

t.test('a license matching the fingerprint is synced and becomes the license in force', async (t) => {
  const { ctx, defaults, fake, license, first, clock } = await syncedSetup(t)
  t.match(first, { status: 'synced', licensesSynced: 1, changed: 1 })
  const { summary } = await resolveLicense(ctx, defaults.tenant.id)
  t.equal(summary.source, 'external')
  t.equal(summary.organizationName, 'Acme Corp')
  t.equal(summary.webrtcMaxUsers, 25)
  t.same(summary.features, license.license_type.features, 'features are those of the nested license type')
  t.equal(summary.lastSyncedAt, clock.now.toISOString())
  const rows = await listExternalLicenses(ctx.db, defaults.tenant.id)
  t.same(rows.map((r) => r.externalId), [String(license.id)], 'a license of another fingerprint is not stored')
  t.equal(fake.requests[0]?.headers['x-internal-api-key'], 'internal-key-123', 'the API key header is sent')

  const again = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.match(again, { status: 'synced', licensesSynced: 1, changed: 0 }, 'an unchanged license is no change')
})

for (const [name, breakIt] of [
  ['a 500', async (fake: FakeLicenseServer) => { fake.mode = 'error' }],
  ['a hang past the timeout', async (fake: FakeLicenseServer) => { fake.mode = 'hang' }],
  ['garbage JSON', async (fake: FakeLicenseServer) => { fake.mode = 'garbage' }],
  ['a refused port', async () => {}],
] as const) {
  t.test(`${name} leaves the previous license in force and logs the error`, async (t) => {
    const { ctx, defaults, fake, license, clock, log } = await syncedSetup(t)
    const before = await resolveLicense(ctx, defaults.tenant.id)
    const syncedAt = (await listExternalLicenses(ctx.db, defaults.tenant.id))[0]!.lastSyncedAt
    const eventsBefore = (await eventsOf(ctx, defaults.tenant.id)).length

    await breakIt(fake)
    fake.licenses = []
    clock.now = new Date(clock.now.getTime() + 5 * 60_000)
    const url = name === 'a refused port' ? await refusedUrl() : fake.url
    const outcome = await syncExternalLicenses(ctx, clientFor(t, url))

    t.equal(outcome.status, 'failed')
    const rows = await listExternalLicenses(ctx.db, defaults.tenant.id)
    t.same(rows.map((r) => [r.externalId, r.withdrawnAt, r.lastSyncedAt?.getTime()]), [[String(license.id), null, syncedAt?.getTime()]], 'nothing changed')
    await ctx.redis.del(ctx.keys.licenseCache(defaults.tenant.id))
    const after = await resolveLicense(ctx, defaults.tenant.id)
    t.equal(after.summary.id, before.summary.id, 'the synced copy stays in force')
    t.equal(after.summary.source, 'external')
    t.equal((await eventsOf(ctx, defaults.tenant.id)).length, eventsBefore, 'no event')
    t.equal(log.withMessage('Error syncing from external server').length, 1, 'the failure is logged')
  })
}

t.test('the failure log names the cause', async (t) => {
  const { ctx, fake, log } = await syncedSetup(t)
  fake.mode = 'error'
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  fake.mode = 'hang'
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  fake.mode = 'garbage'
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  await syncExternalLicenses(ctx, clientFor(t, await refusedUrl()))
  const lines = log.withMessage('Error syncing from external server')
  t.equal(lines.length, 4)
  const errs = lines.map((l) => l.err as { message?: string; stack?: string } | undefined)
  t.match(errs.map((e) => e?.message), [/answered 500/, /timed out/, /not JSON/, /connection refused/])
  t.ok(errs.every((e) => typeof e?.stack === 'string'), 'with its stack')
  t.ok(lines.every((l) => l.level === 50 && l.code === 'SYNC_FAILED'))
  t.notMatch(log.text(), 'internal-key-123', 'the API key never reaches the log')
})

t.test('a grace window later, an unreachable server hands the tenant to its local license', async (t) => {
  const { ctx, defaults, fake, clock } = await syncedSetup(t)
  const external = (await resolveLicense(ctx, defaults.tenant.id)).summary
  t.equal(external.source, 'external')
  const updates = async () => (await eventsOf(ctx, defaults.tenant.id, 'license_updated')).map((e) => e.data as { changes: string[] })
  const already = (await updates()).length

  fake.mode = 'error'
  clock.now = new Date(clock.now.getTime() + ctx.config.licenseSyncGraceMs + 60_000)
  const failed = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.equal((await resolveLicense(ctx, defaults.tenant.id)).summary.source, 'local', 'the cache was dropped: the local license applies')
  const told = (await updates()).slice(already)
  t.equal(told.length, 1, 'clients are told of the hand-over')
  t.ok(told[0]?.changes.includes('source'))
  t.ok(failed.eventsPublished >= 1)

  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.equal((await updates()).length, already + 1, 'once: the next failed sync says nothing more')

  fake.mode = 'ok'
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  const back = (await resolveLicense(ctx, defaults.tenant.id)).summary
  t.equal(back.source, 'external', 'the server is back: the same license applies again')
  t.equal(back.id, external.id)
  t.equal((await updates()).length, already + 2, 'and clients are told so')
})

t.test('a 404 hands the tenant to its local license, and a later good sync hands it back', async (t) => {
  const { ctx, defaults, fake, license } = await syncedSetup(t)
  const external = (await resolveLicense(ctx, defaults.tenant.id)).summary

  fake.mode = 'not-found'
  const outcome = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.match(outcome, { status: 'no-license', licensesSynced: 0, withdrawn: 1 })
  const local = (await resolveLicense(ctx, defaults.tenant.id)).summary
  t.equal(local.source, 'local', 'the cache was invalidated and the local license applies')
  t.equal(local.licenseType.name, 'Developer')
  const [row] = await ctx.db.selectFrom('serverLicenses').selectAll().where('externalId', '=', String(license.id)).execute()
  t.ok(row?.withdrawnAt, 'the synced copy is withdrawn, not deleted')
  const handOver = await eventsOf(ctx, defaults.tenant.id, 'license_updated')
  t.ok(handOver.some((e) => (e.data as { changes: string[] }).changes.includes('source')), 'clients are told the license in force changed')

  fake.mode = 'ok'
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  const back = (await resolveLicense(ctx, defaults.tenant.id)).summary
  t.equal(back.source, 'external')
  t.equal(back.id, external.id, 'the same license (and id) is back in force')
})

t.test('a license missing from a successful answer is withdrawn', async (t) => {
  const { ctx, defaults, fake } = await syncedSetup(t)
  fake.licenses = [fakeLicense('someone-else')]
  const outcome = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.match(outcome, { status: 'synced', licensesSynced: 0, withdrawn: 1, changed: 1 })
  t.same(await listExternalLicenses(ctx.db, defaults.tenant.id), [])
  t.equal((await resolveLicense(ctx, defaults.tenant.id)).summary.source, 'local')
})

t.test('switching a feature off yields exactly one module_deactivated on the next sync', async (t) => {
  const { ctx, defaults, fake, license } = await syncedSetup(t)
  const before = (await eventsOf(ctx, defaults.tenant.id)).length
  license.license_type = professionalType({ features: { ...license.license_type.features as Record<string, boolean>, whatsapp: false } })
  const outcome = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.equal(outcome.changed, 1)
  const events = (await eventsOf(ctx, defaults.tenant.id)).slice(before)
  t.same(events.map((e) => e.type), ['module_deactivated'])
  t.match(events[0]?.data, { module: 'whatsapp', severity: 'warning', message: String })
  t.equal((await resolveLicense(ctx, defaults.tenant.id)).summary.features.whatsapp, false, 'the cache was invalidated')

  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.equal((await eventsOf(ctx, defaults.tenant.id)).length, before + 1, 'the next unchanged sync tells nothing')
})

t.test('a status or allocation change gives license_updated naming the fields', async (t) => {
  const { ctx, defaults, fake, license } = await syncedSetup(t)
  const before = (await eventsOf(ctx, defaults.tenant.id)).length
  license.status = 'suspended'
  license.webrtc_max_users = 10
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  const events = (await eventsOf(ctx, defaults.tenant.id)).slice(before)
  t.same(events.map((e) => e.type), ['license_updated'])
  t.match(events[0]?.data, { changes: ['status', 'webrtcMaxUsers'], severity: 'warning' })
})

t.test('an expired license gives license_expired once', async (t) => {
  const { ctx, defaults, fake, license } = await syncedSetup(t)
  license.expires_at = new Date(Date.now() - 60_000).toISOString()
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  const expired = await eventsOf(ctx, defaults.tenant.id, 'license_expired')
  t.equal(expired.length, 1)
  t.match(expired[0]?.data, { severity: 'error', expiredAt: String })
})

t.test('the optional webrtc-sessions call sets the allocation in force', async (t) => {
  const { ctx, defaults, fake, license } = await syncedSetup(t)
  fake.webrtcAllocations.set(String(license.id), 7)
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.equal((await resolveLicense(ctx, defaults.tenant.id)).summary.webrtcMaxUsers, 7)
})

t.test('a sync of many licenses for several tenants writes each copy with its own values in one go', async (t) => {
  const { ctx, defaults, clock } = await licensingContext(t)
  const fake = await startFakeLicenseServer(t)
  const other = await insertTenant(ctx.db, { name: 'Other', fingerprint: 'fp-other' })
  const mine = Array.from({ length: 120 }, (_, i) => fakeLicense(defaults.fingerprint, { organization_name: `Mine ${i}`, max_users: 10 + i }))
  const theirs = Array.from({ length: 80 }, (_, i) => fakeLicense('fp-other', { organization_name: `Theirs ${i}`, expires_at: null }))
  fake.licenses = [...mine, fakeLicense('not-an-installation-of-ours'), ...theirs]
  for (const [i, license] of mine.entries()) if (i % 2 === 0) fake.webrtcAllocations.set(String(license.id), i % 25)
  const first = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.match(first, { status: 'synced', licensesSynced: 200, changed: 200 })

  const rows = async (tenantId: string) => new Map((await listExternalLicenses(ctx.db, tenantId)).map((r) => [r.externalId, r]))
  const stored = await rows(defaults.tenant.id)
  t.equal(stored.size, 120)
  for (const [i, license] of mine.entries()) {
    const row = stored.get(String(license.id))
    t.same([row?.organizationName, row?.maxUsers, row?.webrtcMaxUsers, row?.expiresAt?.toISOString()],
      [license.organization_name, license.max_users, i % 2 === 0 ? i % 25 : license.webrtc_max_users, license.expires_at])
  }
  // Every one of the other tenant's copies, by its external id: copies synced together tie on
  // last_synced_at, the list's order, so which two came first was the table's physical order.
  const theirRows = await rows(other.id)
  t.same(theirs.map((l) => [theirRows.get(String(l.id))?.organizationName, theirRows.get(String(l.id))?.expiresAt]),
    theirs.map((l) => [l.organization_name, null]))

  // One changed, one gone, one new, the rest as they were.
  clock.now = new Date(clock.now.getTime() + 5 * 60_000)
  mine[3]!.status = 'suspended'
  fake.licenses = fake.licenses.filter((l) => l !== mine[5])
  fake.licenses.push(fakeLicense(defaults.fingerprint, { organization_name: 'Mine new' }))
  const second = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.match(second, { status: 'synced', licensesSynced: 200, changed: 3, withdrawn: 1 })
  const after = await rows(defaults.tenant.id)
  t.equal(after.get(String(mine[3]!.id))?.status, 'suspended')
  t.notOk(after.has(String(mine[5]!.id)), 'the license no longer listed is withdrawn')
  t.ok([...after.values()].some((r) => r.organizationName === 'Mine new'))
  const unchanged = after.get(String(mine[7]!.id))
  t.equal(unchanged?.lastSyncedAt?.getTime(), clock.now.getTime(), 'an unchanged copy has its last_synced_at moved')
  const before = stored.get(String(mine[7]!.id))
  t.same([unchanged?.organizationName, unchanged?.webrtcMaxUsers], [before?.organizationName, mine[7]!.webrtc_max_users])
  t.equal((await rows(other.id)).get(String(theirs[0]!.id))?.lastSyncedAt?.getTime(), clock.now.getTime(), 'so has another tenant\'s')
})

t.test('awkward text survives a sync as written, new and rewritten: quotes, backslashes, braces, non-Latin letters', async (t) => {
  const { ctx, defaults } = await licensingContext(t)
  const fake = await startFakeLicenseServer(t)
  const names = ['O\'Brien "Quotes" & Co', 'Back\\slash \\"mix\\"', '{curly}, [square], (round)', 'Ünïcödé 株式会社 😀', 'tab\there\nnewline']
  fake.licenses = names.map((name) => fakeLicense(defaults.fingerprint, { organization_name: name, extra_note: `${name} again` } as never))
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  const stored = async () => new Map((await ctx.db.selectFrom('serverLicenses').select(['externalId', 'organizationName', 'raw', 'features'])
    .where('tenantId', '=', defaults.tenant.id).where('source', '=', 'external').execute()).map((r) => [r.externalId, r]))
  for (const license of fake.licenses) {
    const row = (await stored()).get(String(license.id))
    t.equal(row?.organizationName, license.organization_name, 'the name as inserted')
    t.same(row?.raw, license, 'the raw answer as inserted, extra fields included')
    t.strictSame(row?.features, license.license_type?.features, 'the features as a jsonb object, not a string of one')
  }
  for (const license of fake.licenses) license.organization_name = `${license.organization_name} \\ "v2"`
  const second = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.equal(second.changed, names.length, 'each copy rewritten')
  for (const license of fake.licenses) {
    const row = (await stored()).get(String(license.id))
    t.equal(row?.organizationName, license.organization_name, 'the name as updated')
    t.same(row?.raw, license, 'the raw answer as updated')
  }
})

t.test('a webrtc-sessions call failing for every license keeps every stored allocation and logs one line', async (t) => {
  const { ctx, defaults, log } = await licensingContext(t)
  const fake = await startFakeLicenseServer(t)
  const licenses = Array.from({ length: 30 }, () => fakeLicense(defaults.fingerprint))
  fake.licenses = licenses
  for (const license of licenses) fake.webrtcAllocations.set(String(license.id), 4)
  await syncExternalLicenses(ctx, clientFor(t, fake.url))

  fake.webrtcMode = 'error'
  const outcome = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.match(outcome, { status: 'synced', licensesSynced: 30, changed: 0 })
  const rows = await listExternalLicenses(ctx.db, defaults.tenant.id)
  t.same(new Set(rows.map((r) => r.webrtcMaxUsers)), new Set([4]), 'the allocations stay what the server last said')
  const lines = log.withMessage('webrtc-sessions call failed: keeping the stored allocation')
  t.equal(lines.length, 1)
  t.match(lines[0], { level: 40, failed: 30, code: 'SYNC_ALLOCATION_FAILED', cause: /answered 500/ })
})

t.test('types are upserted by id, Developer is never replaced, a failed types call changes nothing', async (t) => {
  const { ctx, defaults, fake } = await syncedSetup(t)
  fake.types = [
    professionalType({ name: 'Professional Plus', max_concurrent_users: 30 }),
    { id: 4, name: 'Hijacked', features: {}, max_concurrent_users: 99 },
    { id: 9, name: 'Partner', features: { calls: true }, max_concurrent_users: 3, price_monthly: 12.5 },
  ]
  const outcome = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.equal(outcome.typesSynced, 2)
  t.match(await findLicenseType(ctx.db, 2), { name: 'Professional Plus', maxUsers: 30, source: 'external', priceMonthly: '79.99' })
  t.match(await findLicenseType(ctx.db, 9), { name: 'Partner', maxUsers: 3, priceMonthly: '12.50' })
  t.match(await findLicenseType(ctx.db, 4), { name: 'Developer', maxUsers: 1, source: 'seed' })
  t.equal((await resolveLicense(ctx, defaults.tenant.id)).summary.licenseType.name, 'Professional Plus')

  fake.typesMode = 'error'
  fake.licenses[0]!.organization_name = 'Acme Corporation'
  const failedTypes = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.match(failedTypes, { status: 'synced', changed: 1, typesSynced: 0 }, 'the license sync still succeeds')
  t.match(await findLicenseType(ctx.db, 2), { name: 'Professional Plus' })

  fake.typesMode = 'ok'
  fake.types = []
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.match(await findLicenseType(ctx.db, 9), { name: 'Partner' }, 'an empty types answer removes nothing')
})

t.test('local mode: no server configured, nothing to sync', async (t) => {
  const { ctx } = await licensingContext(t)
  t.match(await syncExternalLicenses(ctx, undefined), { status: 'local-mode', licensesSynced: 0, changed: 0 })
})

t.test('a sync lowering the allocation below the live seats reports usage_limit_exceeded and keeps the seats', async (t) => {
  const { ctx, defaults, fake, license, client, clock } = await syncedSetup(t)
  const tenantId = defaults.tenant.id
  for (let n = 0; n < 3; n++) {
    const user = await insertUser(ctx.db, { tenantId, email: `shrink-${n}@example.test`, name: 'U', passwordHash: 'x' })
    await createSession(ctx, { id: user.id, tenantId }, { deviceId: `d${n}` })
  }
  license.webrtc_max_users = 2
  const outcome = await syncExternalLicenses(ctx, client)
  t.match(outcome, { status: 'synced', changed: 1 })
  const exceeded = await eventsOf(ctx, tenantId, 'usage_limit_exceeded')
  t.equal(exceeded.length, 1)
  t.match(exceeded[0]?.data, { activeSessions: 3, webrtcMaxUsers: 2, usagePercent: 150, severity: 'error' })

  clock.now = new Date(clock.now.getTime() + 1000)
  await syncExternalLicenses(ctx, client)
  t.equal((await eventsOf(ctx, tenantId, 'usage_limit_exceeded')).length, 1, 'an unchanged allocation says nothing again')
  license.webrtc_max_users = 5
  fake.licenses = [license]
  await syncExternalLicenses(ctx, client)
  t.equal((await eventsOf(ctx, tenantId, 'usage_limit_exceeded')).length, 1, 'raising it says nothing')
})

t.test('in a sync where one tenant\'s license changes, only that tenant hears of it; the other\'s shows its new sync time', async (t) => {
  const { ctx, defaults, clock } = await licensingContext(t)
  const fake = await startFakeLicenseServer(t)
  const other = await insertTenant(ctx.db, { name: 'Other', fingerprint: 'fp-quiet' })
  const mine = fakeLicense(defaults.fingerprint)
  const theirs = fakeLicense('fp-quiet')
  fake.licenses = [mine, theirs]
  await syncExternalLicenses(ctx, clientFor(t, fake.url))
  const counts = async () => [(await eventsOf(ctx, defaults.tenant.id)).length, (await eventsOf(ctx, other.id)).length]
  const [mineBefore, theirsBefore] = await counts()
  t.equal((await resolveLicense(ctx, other.id)).summary.source, 'external', 'the other tenant reads its synced copy (and caches it)')

  clock.now = new Date(clock.now.getTime() + 5 * 60_000)
  mine.status = 'suspended'
  const outcome = await syncExternalLicenses(ctx, clientFor(t, fake.url))
  t.match(outcome, { changed: 1, eventsPublished: 1 })
  t.same(await counts(), [mineBefore! + 1, theirsBefore], 'license_updated for the changed tenant only')
  t.equal((await resolveLicense(ctx, defaults.tenant.id)).summary.status, 'suspended')
  const quiet = (await resolveLicense(ctx, other.id)).summary
  t.same([quiet.status, quiet.lastSyncedAt], ['active', clock.now.toISOString()], 'the unchanged tenant\'s copy was touched and its cache dropped')
})

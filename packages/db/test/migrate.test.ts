import t from 'tap'
import { sql } from 'kysely'
import { createDb, listLicenseTypes, migrateToLatest } from '../src/index.js'
import { createTestDatabase } from '@license-hub/test-support'

const EXPECTED_TYPES = [
  { id: 1, name: 'Basic', maxUsers: 2, priceMonthly: '29.99', webrtc: false, count: 7 },
  { id: 2, name: 'Professional', maxUsers: 5, priceMonthly: '79.99', webrtc: true, count: 13 },
  { id: 3, name: 'Enterprise', maxUsers: 25, priceMonthly: '199.99', webrtc: true, count: 17 },
  { id: 4, name: 'Developer', maxUsers: 1, priceMonthly: '0.00', webrtc: true, count: 17 },
]

t.test('migrations create the schema and seed the four license types exactly', async (t) => {
  const { url } = await createTestDatabase(t, { empty: true })
  const db = createDb(url)
  t.teardown(() => db.destroy())
  const applied = await migrateToLatest(db)
  t.ok(applied.length >= 1, 'migrations ran on an empty database')

  const tables = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = 'public'`.execute(db)
  const names = tables.rows.map((r) => r.tablename)
  for (const table of ['tenants', 'users', 'license_types', 'server_licenses', 'client_sessions', 'installation', 'events']) {
    t.ok(names.includes(table), `table ${table} exists`)
  }
  const indexes = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'events_created_at'`.execute(db)
  t.match(indexes.rows[0]?.indexdef, /ON public\.events .*\(created_at\)/, 'the event retention finds old events by an index on created_at')

  const types = await listLicenseTypes(db)
  t.equal(types.length, 4)
  for (const [i, expected] of EXPECTED_TYPES.entries()) {
    const row = types[i]!
    const features = row.features as Record<string, boolean>
    t.match(row, { id: expected.id, name: expected.name, maxUsers: expected.maxUsers, priceMonthly: expected.priceMonthly })
    t.equal(Object.keys(features).length, expected.count, `${expected.name} has ${expected.count} features`)
    t.ok(Object.values(features).every((v) => v === true), 'every feature flag is true')
    t.equal(features.webrtc_extension === true, expected.webrtc, `${expected.name} webrtc_extension`)
  }
  const professional = types[1]!.features as Record<string, boolean>
  t.ok(['calls', 'zoho', 'whatsapp', 'email'].every((f) => professional[f]), 'Professional includes Basic and its own')

  t.same(await migrateToLatest(db), [], 'a second run has nothing left to do')
})

t.test('two concurrent migrate runs do not fail', async (t) => {
  const { url } = await createTestDatabase(t, { empty: true })
  const nodes = [createDb(url), createDb(url), createDb(url)]
  t.teardown(() => Promise.all(nodes.map((db) => db.destroy())))
  const results = await Promise.all(nodes.map((db) => migrateToLatest(db)))
  t.equal(results.filter((applied) => applied.length > 0).length, 1, 'exactly one node applied the migrations')
  t.equal(new Set(results.flat()).size, results.flat().length, 'each migration once')
  const seeded = await listLicenseTypes(nodes[0]!)
  t.equal(seeded.length, 4, 'types are seeded once')
})

t.test('emails are unique across the installation, case-insensitively', async (t) => {
  const { url } = await createTestDatabase(t)
  const db = createDb(url)
  t.teardown(() => db.destroy())
  const tenantA = await db.insertInto('tenants').values({ name: 'A', fingerprint: 'fa' }).returning('id').executeTakeFirstOrThrow()
  const tenantB = await db.insertInto('tenants').values({ name: 'B', fingerprint: 'fb' }).returning('id').executeTakeFirstOrThrow()
  await db.insertInto('users').values({ tenantId: tenantA.id, email: 'Ann@Example.com', passwordHash: 'x', name: 'Ann' }).execute()
  await t.rejects(
    db.insertInto('users').values({ tenantId: tenantB.id, email: 'ann@example.COM', passwordHash: 'x', name: 'Ann' }).execute(),
    { code: '23505' })
})

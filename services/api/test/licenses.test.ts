import t from 'tap'
import { sql } from 'kysely'
import { insertLicense, insertTenant, type Db, type Tenant } from '@license-hub/db'
import { invalidateLicenseCache, verifyLocalLicense } from '@license-hub/licensing'
import { buildTestApp, type TestApp } from '../../../test/helpers/app.js'
import { createTestTenant, createTestUser } from '../../../test/helpers/users.js'

const FEATURES = { calls: true, recording: true, webrtc_extension: true, sms: false }

/** An external license copy as the sync stores it. */
function insertExternal(db: Db, tenant: Tenant, overrides: Partial<Parameters<typeof insertLicense>[1]> = {}) {
  return insertLicense(db, {
    source: 'external', externalId: `ext-${Math.random().toString(36).slice(2)}`, tenantId: tenant.id,
    organizationName: 'Acme Corp', serverFingerprint: tenant.fingerprint, status: 'active', maxUsers: 50,
    webrtcMaxUsers: 25, webrtcAllocation: null, licenseTypeId: 2, features: JSON.stringify(FEATURES), raw: null,
    signature: null, issuedAt: new Date('2026-01-01T00:00:00Z'), expiresAt: new Date('2099-12-31T23:59:59Z'),
    lastSyncedAt: new Date(), withdrawnAt: null, ...overrides,
  })
}

async function tenantWithAdmin(testApp: TestApp, name: string) {
  const tenant = await createTestTenant(testApp, name)
  const admin = await createTestUser(testApp, { tenantId: tenant.id, role: 'admin' })
  const user = await createTestUser(testApp, { tenantId: tenant.id })
  return { tenant, admin, user }
}

const get = (app: TestApp['app'], url: string, headers: object) => app.inject({ method: 'GET', url, headers: headers as Record<string, string> })

t.test('features stored as a JSON object and as a JSON string read back as the same object', async (t) => {
  const testApp = await buildTestApp(t)
  const asObject = await tenantWithAdmin(testApp, 'Object Co')
  const asString = await tenantWithAdmin(testApp, 'String Co')
  await insertExternal(testApp.db, asObject.tenant, { features: JSON.stringify(FEATURES) })
  const stringRow = await insertExternal(testApp.db, asString.tenant, { features: JSON.stringify(JSON.stringify(FEATURES)) })
  const { rows } = await sql<{ kind: string }>`select jsonb_typeof(features) as kind from server_licenses where id = ${stringRow.id}`.execute(testApp.db)
  t.equal(rows[0]!.kind, 'string', 'the second one really is stored as a JSON string')

  const a = await get(testApp.app, '/api/licenses/current', asObject.user.headers)
  const b = await get(testApp.app, '/api/licenses/current', asString.user.headers)
  t.equal(a.statusCode, 200)
  t.equal(b.statusCode, 200)
  t.same(a.json().features, FEATURES)
  t.same(b.json().features, FEATURES)
  t.equal(b.json().source, 'external')
  t.equal(b.json().webrtcEnabled, true)
  t.equal(b.json().webrtcMaxUsers, 25)
  t.ok(b.json().lastSyncedAt)
})

t.test('a user of tenant A never sees tenant B\'s license or users', async (t) => {
  const testApp = await buildTestApp(t)
  const a = await tenantWithAdmin(testApp, 'Tenant A')
  const b = await tenantWithAdmin(testApp, 'Tenant B')
  const bLicense = await insertExternal(testApp.db, b.tenant)

  const currentA = (await get(testApp.app, '/api/licenses/current', a.user.headers)).json()
  t.equal(currentA.source, 'local', 'A keeps its own local license')
  t.not(currentA.id, bLicense.id)
  const listA = (await get(testApp.app, '/api/licenses/', a.admin.headers)).json() as Array<{ id: string; organizationName: string }>
  t.equal(listA.length, 1)
  t.same(listA.map((l) => l.organizationName), ['Tenant A'])
  const usersA = (await get(testApp.app, '/api/users', a.admin.headers)).json() as Array<{ id: string; tenantId: string }>
  t.same(usersA.map((u) => u.id).sort(), [a.admin.user.id, a.user.user.id].sort())
  t.ok(usersA.every((u) => u.tenantId === a.tenant.id))
  const currentB = (await get(testApp.app, '/api/licenses/current', b.user.headers)).json()
  t.equal(currentB.id, bLicense.id)
})

t.test('a tampered local license is refused: the next valid one applies, else LICENSE_NOT_FOUND', async (t) => {
  const testApp = await buildTestApp(t)
  const { tenant, admin, user } = await tenantWithAdmin(testApp, 'Tamper Co')
  const generated = await testApp.app.inject({
    method: 'POST', url: '/api/licenses/generate', headers: admin.headers,
    payload: { organizationName: 'Tamper Co', licenseTypeId: 3, expires_at: '2099-12-31T23:59:59Z' },
  })
  t.equal(generated.statusCode, 201)
  t.equal((await get(testApp.app, '/api/licenses/current', user.headers)).json().licenseType.name, 'Enterprise')

  await testApp.db.updateTable('serverLicenses').set({ maxUsers: 500, webrtcMaxUsers: 500 }).where('id', '=', generated.json().id).execute()
  await invalidateLicenseCache(testApp.app.licensing, tenant.id) // the cached copies, Redis' and the node's
  const fallback = (await get(testApp.app, '/api/licenses/current', user.headers)).json()
  t.equal(fallback.licenseType.name, 'Developer', 'the Developer floor applies')
  t.equal(fallback.webrtcMaxUsers, 1)
  const list = (await get(testApp.app, '/api/licenses/', admin.headers)).json() as Array<{ id: string; signatureValid: boolean; inForce: boolean }>
  const listed = list.find((l) => l.id === generated.json().id)
  t.same(listed, { ...listed, signatureValid: false, inForce: false })

  await testApp.db.updateTable('serverLicenses').set({ features: JSON.stringify({ calls: true }) }).where('tenantId', '=', tenant.id).where('id', '!=', generated.json().id).execute()
  await invalidateLicenseCache(testApp.app.licensing, tenant.id) // the cached copies, Redis' and the node's
  const none = await get(testApp.app, '/api/licenses/current', user.headers)
  t.equal(none.statusCode, 404)
  t.same(none.json(), { statusCode: 404, code: 'LICENSE_NOT_FOUND', error: 'Not Found', message: 'No license found for this server' })
})

t.test('a generated license round-trips: sign → store → verify → /current', async (t) => {
  const testApp = await buildTestApp(t)
  const { tenant, admin, user } = await tenantWithAdmin(testApp, 'Round Trip Co')
  t.equal((await get(testApp.app, '/api/licenses/current', user.headers)).json().licenseType.name, 'Developer', 'cached before the new license')

  const res = await testApp.app.inject({
    method: 'POST', url: '/api/licenses/generate', headers: admin.headers,
    payload: { organizationName: 'Test Organization', licenseTypeId: 2, serverFingerprint: tenant.fingerprint, issued_at: '2024-01-01T00:00:00Z', expires_at: '2099-12-31' },
  })
  t.equal(res.statusCode, 201)
  const created = res.json()
  t.match(created, { source: 'local', organizationName: 'Test Organization', licenseTypeId: 2, maxUsers: 5, webrtcMaxUsers: 5, signatureValid: true, inForce: true })
  t.equal(created.expiresAt, '2099-12-31T23:59:59.999Z', 'a date alone expires at the end of that day')

  const row = await testApp.db.selectFrom('serverLicenses').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow()
  t.ok(row.signature, 'stored with a signature')
  t.ok(verifyLocalLicense(row, testApp.secrets.licensePublicKey), 'the stored row verifies with the public key')

  const current = (await get(testApp.app, '/api/licenses/current', user.headers)).json()
  t.equal(current.id, created.id, 'the cache was invalidated')
  t.match(current, { source: 'local', organizationName: 'Test Organization', webrtcEnabled: true, maxUsers: 5, webrtcMaxUsers: 5, issuedAt: '2024-01-01T00:00:00.000Z', lastSyncedAt: null })
  t.equal(current.licenseType.name, 'Professional')
  t.equal(current.features.whatsapp, true)

  const events = await testApp.db.selectFrom('events').select(['type', 'data']).where('tenantId', '=', tenant.id).orderBy('id').execute()
  const updated = events.find((e) => e.type === 'license_updated')?.data as { changes: string[] } | undefined
  t.ok(updated && ['id', 'licenseTypeId', 'maxUsers', 'expiresAt'].every((c) => updated.changes.includes(c)), 'clients are told another license applies')
  t.same(events.filter((e) => e.type === 'module_deactivated').map((e) => (e.data as { module: string }).module).sort(),
    ['facebook', 'salesforce', 'third_party_integrations', 'twilio'], 'and which modules the Professional plan lacks')

  const camel = await testApp.app.inject({
    method: 'POST', url: '/api/licenses/generate', headers: admin.headers,
    payload: { organizationName: 'Camel', licenseTypeId: 3, issuedAt: '2025-01-01T00:00:00Z', expiresAt: '2098-01-01T00:00:00Z' },
  })
  t.equal(camel.statusCode, 201)
  t.equal(camel.json().expiresAt, '2098-01-01T00:00:00.000Z')
  t.equal((await get(testApp.app, '/api/licenses/current', user.headers)).json().licenseType.name, 'Enterprise', 'the latest one issued applies')
})

t.test('generate refuses what could never apply, with 400 VALIDATION_ERROR', async (t) => {
  const testApp = await buildTestApp(t)
  const { admin } = await tenantWithAdmin(testApp, 'Bad Input Co')
  const cases: Array<[string, object, RegExp]> = [
    ['issued in the future', { issued_at: '2999-01-01T00:00:00Z' }, /issued_at/],
    ['already expired', { expires_at: '2001-01-01' }, /expires_at/],
    ['expires before issue', { issued_at: '2024-06-01T00:00:00Z', expires_at: '2024-01-01T00:00:00Z' }, /expires_at/],
    ['not a date', { expires_at: 'next tuesday' }, /expires_at/],
    ['unknown type', { licenseTypeId: 99 }, /licenseTypeId/],
    ['another fingerprint', { serverFingerprint: 'someone-else' }, /serverFingerprint/],
    ['missing name', { organizationName: undefined }, /organizationName/],
    ['unknown field', { maxUsers: 1000 }, /./],
  ]
  for (const [name, patch, field] of cases) {
    const res = await testApp.app.inject({ method: 'POST', url: '/api/licenses/generate', headers: admin.headers, payload: { organizationName: 'X', licenseTypeId: 2, ...patch } })
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().code, 'VALIDATION_ERROR', name)
    t.match(res.json().message, field, name)
  }
})

t.test('with an external license server configured, generate is 501 like the other legacy routes', async (t) => {
  const testApp = await buildTestApp(t, { env: { LICENSE_MGMT_API_URL: 'http://127.0.0.1:9/api' } })
  const admin = await createTestUser(testApp, { role: 'admin' })
  const res = await testApp.app.inject({ method: 'POST', url: '/api/licenses/generate', headers: admin.headers, payload: { organizationName: 'X', licenseTypeId: 2 } })
  t.equal(res.statusCode, 501)
  t.equal(res.json().code, 'NOT_IMPLEMENTED')
  t.match(res.json().message, /external license server/)
})

t.test('the legacy routes answer 501 NOT_IMPLEMENTED (after authentication)', async (t) => {
  const testApp = await buildTestApp(t)
  const admin = await createTestUser(testApp, { role: 'admin' })
  for (const url of ['/api/licenses/some-id', '/api/licenses/some-id/status']) {
    const res = await testApp.app.inject({ method: 'PUT', url, headers: admin.headers, payload: { status: 'active' } })
    t.equal(res.statusCode, 501, url)
    t.same(Object.keys(res.json()).sort(), ['code', 'error', 'message', 'statusCode'])
    t.match(res.json(), { code: 'NOT_IMPLEMENTED', error: 'Not Implemented', message: /external license server/ })
    t.equal((await testApp.app.inject({ method: 'PUT', url, payload: {} })).statusCode, 401)
  }
})

t.test('expired and inactive licenses give LICENSE_EXPIRED / LICENSE_INACTIVE, inactive first', async (t) => {
  const testApp = await buildTestApp(t)
  const cases: Array<[string, object, string]> = [
    ['suspended', { status: 'suspended' }, 'LICENSE_INACTIVE'],
    ['past its expiry', { expiresAt: new Date('2020-01-01T00:00:00Z') }, 'LICENSE_EXPIRED'],
    ['status expired', { status: 'expired' }, 'LICENSE_EXPIRED'],
    ['inactive and expired', { status: 'inactive', expiresAt: new Date('2020-01-01T00:00:00Z') }, 'LICENSE_INACTIVE'],
  ]
  for (const [name, overrides, code] of cases) {
    const { tenant, user } = await tenantWithAdmin(testApp, name)
    await insertExternal(testApp.db, tenant, overrides)
    const res = await get(testApp.app, '/api/licenses/current', user.headers)
    t.equal(res.statusCode, 403, name)
    t.equal(res.json().code, code, name)
    t.equal(res.json().message, code === 'LICENSE_EXPIRED' ? 'Your license has expired' : 'Your license is not active', name)
    const login = await testApp.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.user.email, password: user.password, client: 'extension' } })
    t.equal(login.json().code, code, `${name}: extension login`)
  }
})

t.test('admins list the license types and their tenant\'s licenses', async (t) => {
  const testApp = await buildTestApp(t)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const types = (await get(testApp.app, '/api/licenses/types', admin.headers)).json() as Array<{ id: number; name: string; maxUsers: number; priceMonthly: string; features: Record<string, boolean> }>
  t.same(types.map((x) => [x.id, x.name, x.maxUsers, x.priceMonthly]), [[1, 'Basic', 2, '29.99'], [2, 'Professional', 5, '79.99'], [3, 'Enterprise', 25, '199.99'], [4, 'Developer', 1, '0.00']])
  t.equal(types[3]!.features.webrtc_extension, true)
  t.notOk(types[0]!.features.webrtc_extension)
  const licenses = (await get(testApp.app, '/api/licenses/', admin.headers)).json()
  t.match(licenses, [{ source: 'local', licenseTypeId: 4, signatureValid: true, inForce: true, withdrawnAt: null }])
  t.equal(licenses.length, 1)
})

t.test('a tenant without any license: /current is 404 LICENSE_NOT_FOUND', async (t) => {
  const testApp = await buildTestApp(t)
  const tenant = await insertTenant(testApp.db, { name: 'Bare', fingerprint: 'fp-bare' })
  const { headers } = await createTestUser(testApp, { tenantId: tenant.id })
  const res = await get(testApp.app, '/api/licenses/current', headers)
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'LICENSE_NOT_FOUND')
})

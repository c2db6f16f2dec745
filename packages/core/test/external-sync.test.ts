import t from 'tap'
import type { ExternalLicense } from '@license-hub/contract'
import { DEVELOPER_LICENSE_TYPE_ID, externalCopy, planTenantCopies, sameJson, typesToUpsert, type StoredCopy } from '../src/index.js'

const now = new Date('2025-06-01T12:00:00.000Z')
const license = (id: number, extra: Partial<ExternalLicense> = {}): ExternalLicense => ({
  id, organization_name: 'Acme', server_fingerprint: 'fp', status: 'active', max_users: 10, webrtc_max_users: 5, license_type_id: 2,
  license_type: { id: 2, name: 'Professional', features: { calls: true, webrtc_extension: true } }, issued_at: '2025-01-01T00:00:00.000Z',
  expires_at: '2026-01-01T00:00:00.000Z', ...extra,
})
const stored = (id: string, from: ExternalLicense, extra: Partial<StoredCopy> = {}): StoredCopy => {
  const copy = externalCopy(from, 't1', from.webrtc_max_users, undefined, undefined, now)
  return { ...copy, id, features: JSON.parse(copy.features), ...extra }
}

t.test('a sync writes every listed license, counts only real changes and withdraws what is no longer listed', async (t) => {
  const same = license(1)
  const rows = [stored('r1', same), stored('r2', license(2)), stored('r3', license(3), { withdrawnAt: now })]
  const plan = planTenantCopies({
    tenantId: 't1', licenses: [same, license(4)], rows, allocations: new Map(), typeFeatures: () => undefined, now,
  })
  t.same(plan.touch, ['r1'], 'an unchanged copy only has its last_synced_at moved')
  t.same(plan.update, [])
  t.same(plan.insert.map((c) => c.externalId), ['4'])
  t.same(plan.withdraw, ['r2'], 'a withdrawn row is not withdrawn again')
  t.equal(plan.changed, 2, 'one new, one withdrawn; the unchanged one is no change')
})

t.test('a copy whose answer changed only in a field we do not read is rewritten, so its raw answer stays current', async (t) => {
  const before = license(1)
  const rows = [stored('r1', before, { raw: JSON.parse(JSON.stringify(before)) })]
  const plan = (listed: ExternalLicense) => planTenantCopies({
    tenantId: 't1', licenses: [listed], rows, allocations: new Map(), typeFeatures: () => undefined, now,
  })
  const reordered = Object.fromEntries(Object.entries(before).reverse()) as ExternalLicense
  t.same(plan(reordered).touch, ['r1'], 'the same answer with its keys in another order is unchanged')
  const extended = { ...before, reseller: 'Partner Ltd' } as ExternalLicense
  t.same(plan(extended).update.map((u) => u.id), ['r1'])
  t.equal(plan(extended).changed, 0, 'and it is no change of the license')
})

t.test('a failed webrtc-sessions call keeps the stored allocation; an answer replaces it', async (t) => {
  const l = license(1)
  const rows = [stored('r1', l, { webrtcMaxUsers: 3 })]
  const plan = (served: number | 'failed') => planTenantCopies({
    tenantId: 't1', licenses: [l], rows, allocations: new Map([['1', served]]), typeFeatures: () => undefined, now,
  })
  t.same(plan('failed').touch, ['r1'], 'the stored allocation (3) stays: the copy is unchanged')
  t.equal(plan(4).update[0]?.copy.webrtcMaxUsers, 4)
  t.equal(plan(4).changed, 1)
})

t.test('types: the server\'s by id, unknown nested ones, never Developer, never an unchanged one', async (t) => {
  const existing = [{ id: 2, name: 'Professional', maxUsers: 5, features: { calls: true }, priceMonthly: '79.99' }]
  const upserts = typesToUpsert(
    [{ id: 2, name: 'Professional', max_users: 5, features: { calls: true }, price_monthly: 79.99 }, { id: DEVELOPER_LICENSE_TYPE_ID, name: 'Dev' }],
    [{ id: 9, name: 'Custom', max_users: 3 }, { id: 2, name: 'Renamed' }],
    existing
  )
  t.same(upserts.map((u) => u.id), [9])
  t.same(typesToUpsert([], [], existing), [], 'an empty answer changes nothing')
})

t.test('sameJson: equal whatever the order of keys, an undefined value as no key, anything else told apart', async (t) => {
  t.ok(sameJson({ a: 1, b: { c: [1, { d: 'x' }] } }, { b: { c: [1, { d: 'x' }] }, a: 1 }), 'keys in another order, as jsonb gives them back')
  t.ok(sameJson({ a: 1, gone: undefined }, { a: 1 }), 'an undefined value on the left')
  t.ok(sameJson({ a: 1 }, { a: 1, gone: undefined }), 'and on the right')
  t.notOk(sameJson({ a: 1 }, { a: 1, b: 2 }), 'a key only on the right')
  t.notOk(sameJson({ a: 1, b: 2 }, { a: 1 }), 'a key only on the left')
  t.notOk(sameJson({ a: { b: 1 } }, { a: { b: 2 } }), 'a nested value')
  t.notOk(sameJson({ a: [1, 2] }, { a: [2, 1] }), 'arrays keep their order')
  t.notOk(sameJson({ a: [] }, { a: {} }), 'an array is not an object')
  t.notOk(sameJson({ a: null }, { a: {} }), 'null is not an object')
  t.notOk(sameJson({ a: 1 }, { a: '1' }), 'nor a number a string')
  t.ok(sameJson(Object.create({ inherited: 1 }) as object, {}), 'inherited keys are not the value\'s')
})

import t from 'tap'
import { DEVELOPER_LICENSE_TYPE_ID, SEEDED_LICENSE_TYPES, WEBRTC_FEATURE, isDeepFrozen, seededLicenseType } from '../src/index.js'

const names = (id: number) => Object.keys(seededLicenseType(id)?.features ?? {}).sort()
const basic = ['calls', 'conferences', 'crm', 'recording', 'reports', 'transfers', 'zoho']
const professional = [...basic, 'email', 'sms', 'video', 'voicemail', 'whatsapp', WEBRTC_FEATURE]
const enterprise = [...professional, 'facebook', 'salesforce', 'third_party_integrations', 'twilio']

t.test('the four types match the contract table', async (t) => {
  t.same(
    SEEDED_LICENSE_TYPES.map(({ id, name, maxUsers, priceMonthly }) => ({ id, name, maxUsers, priceMonthly })),
    [
      { id: 1, name: 'Basic', maxUsers: 2, priceMonthly: '29.99' },
      { id: 2, name: 'Professional', maxUsers: 5, priceMonthly: '79.99' },
      { id: 3, name: 'Enterprise', maxUsers: 25, priceMonthly: '199.99' },
      { id: 4, name: 'Developer', maxUsers: 1, priceMonthly: '0.00' },
    ]
  )
  t.same(names(1), basic.sort())
  t.same(names(2), professional.sort())
  t.same(names(3), enterprise.sort())
})

t.test('every feature is a flag set to true', async (t) => {
  for (const type of SEEDED_LICENSE_TYPES) t.ok(Object.values(type.features).every((flag) => flag === true), type.name)
})

t.test('only Basic lacks the WebRTC extension; Developer carries every feature', async (t) => {
  t.same(SEEDED_LICENSE_TYPES.filter((type) => !type.features[WEBRTC_FEATURE]).map((type) => type.name), ['Basic'])
  t.equal(DEVELOPER_LICENSE_TYPE_ID, 4)
  t.same(names(DEVELOPER_LICENSE_TYPE_ID), enterprise.sort())
  t.equal(seededLicenseType(99), undefined)
})

t.test('the seeded table cannot be changed by a caller', async (t) => {
  t.throws(() => {
    ;(SEEDED_LICENSE_TYPES[0]!.features as Record<string, boolean>)[WEBRTC_FEATURE] = true
  })
  t.notOk(SEEDED_LICENSE_TYPES[0]!.features[WEBRTC_FEATURE])
  t.ok(isDeepFrozen(SEEDED_LICENSE_TYPES), 'frozen all through: the table, each type and its features')
})

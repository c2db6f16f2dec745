import t from 'tap'
import { canonicalJson, generateKeyPair, signLicense, verifyLicense, type LocalLicensePayload } from '../src/index.js'

const keys = generateKeyPair()
const payload: LocalLicensePayload = {
  tenantId: 'tenant-1',
  organizationName: 'Acme',
  serverFingerprint: 'a'.repeat(64),
  licenseTypeId: 4,
  status: 'active',
  maxUsers: 1,
  webrtcMaxUsers: 1,
  features: { calls: true, webrtc_extension: true },
  issuedAt: '2025-01-01T00:00:00.000Z',
  expiresAt: null,
}

t.test('canonical JSON sorts keys at every depth and has no whitespace', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}')
  t.equal(canonicalJson({ 10: 1, 9: 2, a: undefined }), '{"10":1,"9":2}')
  t.equal(canonicalJson({ when: new Date(0) }), '{"when":"1970-01-01T00:00:00.000Z"}')
  t.equal(canonicalJson({ x: 1, y: 2 }), canonicalJson({ y: 2, x: 1 }))
})

t.test('a signed payload verifies whatever its key order', async (t) => {
  const signature = signLicense(payload, keys.privateKey)
  t.match(signature, /^[A-Za-z0-9+/]+=*$/)
  t.ok(verifyLicense(payload, signature, keys.publicKey))
  const reordered = Object.fromEntries(Object.entries(payload).reverse()) as unknown as LocalLicensePayload
  t.ok(verifyLicense({ ...reordered, features: { webrtc_extension: true, calls: true } }, signature, keys.publicKey))
})

t.test('a tampered payload fails verification', async (t) => {
  const signature = signLicense(payload, keys.privateKey)
  t.notOk(verifyLicense({ ...payload, webrtcMaxUsers: 25 }, signature, keys.publicKey))
  t.notOk(verifyLicense({ ...payload, features: { ...payload.features, salesforce: true } }, signature, keys.publicKey))
  t.notOk(verifyLicense({ ...payload, expiresAt: '2030-01-01T00:00:00.000Z' }, signature, keys.publicKey))
})

t.test('a signature made with another key fails', async (t) => {
  const other = generateKeyPair()
  t.notOk(verifyLicense(payload, signLicense(payload, other.privateKey), keys.publicKey))
})

t.test('bad keys and signatures answer false instead of throwing', async (t) => {
  const signature = signLicense(payload, keys.privateKey)
  t.notOk(verifyLicense(payload, signature, 'not a pem'))
  t.notOk(verifyLicense(payload, signature, keys.privateKey.replace('PRIVATE', 'PUBLIC')))
  t.notOk(verifyLicense(payload, 'garbage', keys.publicKey))
  t.notOk(verifyLicense(payload, '', keys.publicKey))
  t.notOk(verifyLicense(payload, undefined as unknown as string, keys.publicKey))
  t.throws(() => signLicense(payload, 'not a pem'), 'signing with no key is a programming error')
})

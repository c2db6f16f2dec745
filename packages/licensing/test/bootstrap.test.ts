import t from 'tap'
import { loadConfig } from '@license-hub/config'
import { generateKeyPair } from '@license-hub/core'
import { listLocalLicenses, listTenants, listUsers } from '@license-hub/db'
import { ensureDefaults, verifyLocalLicense } from '@license-hub/licensing'
import { testDb, testSecrets } from '@license-hub/test-support'

const config = (env: NodeJS.ProcessEnv = {}) => loadConfig({ NODE_ENV: 'test', ...env })

t.test('defaults are ensured once: one tenant, one Developer license, one admin whose password is shown once', async (t) => {
  const db = await testDb(t)
  const first = await ensureDefaults(db, config(), testSecrets())
  t.equal(first.generatedAdmin?.email, 'admin@localhost')
  t.ok(first.generatedAdmin && first.generatedAdmin.password.length >= 12, 'a random password')
  const second = await ensureDefaults(db, config(), testSecrets())
  t.equal(second.generatedAdmin, undefined, 'the password is never shown again')
  t.equal(second.tenant.id, first.tenant.id)
  t.equal(first.tenant.fingerprint, first.fingerprint, 'the default tenant carries the installation fingerprint')
  t.equal((await listTenants(db)).length, 1)
  const licenses = await listLocalLicenses(db, first.tenant.id)
  t.equal(licenses.length, 1)
  t.match(licenses[0], { licenseTypeId: 4, maxUsers: 1, status: 'active', expiresAt: null })
  t.equal((await listUsers(db, first.tenant.id)).filter((u) => u.role === 'admin').length, 1)
})

t.test('nodes starting together create the defaults once', async (t) => {
  const db = await testDb(t)
  const results = await Promise.all([1, 2, 3, 4].map(() => ensureDefaults(db, config({ ADMIN_EMAIL: 'ops@example.test', ADMIN_PASSWORD: 'ops-password' }), testSecrets())))
  t.equal(new Set(results.map((r) => r.tenant.id)).size, 1)
  t.equal((await listTenants(db)).length, 1)
  t.equal((await listLocalLicenses(db, results[0]!.tenant.id)).length, 1)
  t.equal((await listUsers(db, results[0]!.tenant.id)).length, 1)
})

t.test('SERVER_FINGERPRINT overrides the installation fingerprint of the default tenant', async (t) => {
  const db = await testDb(t)
  const generated = await ensureDefaults(db, config(), testSecrets())
  const overridden = await ensureDefaults(db, config({ SERVER_FINGERPRINT: 'fp-from-env' }), testSecrets())
  t.not(generated.fingerprint, 'fp-from-env')
  t.equal(overridden.fingerprint, 'fp-from-env')
  t.equal(overridden.tenant.id, generated.tenant.id)
  t.equal(overridden.tenant.fingerprint, 'fp-from-env')
})

t.test('after the signing keys change, a Developer license that verifies is issued again', async (t) => {
  const db = await testDb(t)
  const { tenant } = await ensureDefaults(db, config(), testSecrets())
  const rotated = generateKeyPair()
  const keys = { licensePrivateKey: rotated.privateKey, licensePublicKey: rotated.publicKey }
  await ensureDefaults(db, config(), keys)
  const licenses = await listLocalLicenses(db, tenant.id)
  t.equal(licenses.length, 2)
  t.equal(licenses.filter((row) => verifyLocalLicense(row, rotated.publicKey)).length, 1, 'one verifies with the new key')
  await ensureDefaults(db, config(), keys)
  t.equal((await listLocalLicenses(db, tenant.id)).length, 2, 'and no more are issued')
})

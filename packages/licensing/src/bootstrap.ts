import { randomBytes } from 'node:crypto'
import type { Config } from '@license-hub/config'
import { generateFingerprint, hashPassword } from '@license-hub/core'
import {
  ensureInstallationFingerprint, findDefaultTenant, findUserByEmail, listLocalLicenses, hasAdmin, insertTenant, insertUser,
  setTenantFingerprint, withMigrationLock, type Db, type Tenant,
} from '@license-hub/db'
import { issueDeveloperLicense, verifyLocalLicense } from './local-licenses.js'
import type { Secrets } from './secrets.js'

export interface Defaults {
  fingerprint: string
  tenant: Tenant
  /** Set only when the admin was created just now with a generated password, to be shown once. */
  generatedAdmin?: { email: string; password: string }
}

export async function installationFingerprint(db: Db, config: Config): Promise<string> {
  return config.serverFingerprint ?? ensureInstallationFingerprint(db, generateFingerprint)
}

/**
 * Idempotently ensures the default tenant (the installation's fingerprint), a local license that
 * verifies with the current key (a new Developer license after the keys were rotated) and an admin
 * user. Nodes starting together serialise on the migration lock.
 */
export async function ensureDefaults(db: Db, config: Config, keys: Pick<Secrets, 'licensePrivateKey' | 'licensePublicKey'>): Promise<Defaults> {
  return withMigrationLock(db, async () => {
    const fingerprint = await installationFingerprint(db, config)
    let tenant = await findDefaultTenant(db)
    if (!tenant) tenant = await insertTenant(db, { name: 'Default', fingerprint, isDefault: true })
    if (tenant.fingerprint !== fingerprint) {
      await setTenantFingerprint(db, tenant.id, fingerprint)
      tenant = { ...tenant, fingerprint }
    }
    const locals = await listLocalLicenses(db, tenant.id)
    if (!locals.some((row) => verifyLocalLicense(row, keys.licensePublicKey))) {
      await issueDeveloperLicense(db, keys.licensePrivateKey, tenant)
    }

    const email = config.adminEmail ?? 'admin@localhost'
    if (await findUserByEmail(db, email) || (!config.adminEmail && await hasAdmin(db, tenant.id))) return { fingerprint, tenant }
    const password = config.adminPassword ?? randomBytes(12).toString('base64url')
    await insertUser(db, { tenantId: tenant.id, email, name: 'Administrator', role: 'admin', passwordHash: await hashPassword(password) })
    return { fingerprint, tenant, ...(config.adminPassword ? {} : { generatedAdmin: { email, password } }) }
  })
}

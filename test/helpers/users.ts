import { randomBytes } from 'node:crypto'
import { hashPassword } from '@license-hub/core'
import { insertTenant, insertUser, type Tenant, type User } from '@license-hub/db'
import { issueDeveloperLicense } from '@license-hub/licensing'
import type { TestApp } from './app.js'

export interface TestUser {
  user: User
  password: string
  /** A Bearer token as login would issue it. */
  token: string
  headers: { authorization: string }
}

let passwordHash: Promise<string> | undefined
const TEST_PASSWORD = 'correct horse battery'

/** A user of the default tenant (or `tenantId`), with a token; all share one password hash to stay fast. */
export async function createTestUser(
  { app, db, defaults }: TestApp,
  options: { role?: 'admin' | 'user'; webrtcEnabled?: boolean; tenantId?: string; email?: string; name?: string } = {}
): Promise<TestUser> {
  passwordHash ??= hashPassword(TEST_PASSWORD)
  const user = await insertUser(db, {
    tenantId: options.tenantId ?? defaults.tenant.id,
    email: options.email ?? `user-${randomBytes(5).toString('hex')}@example.test`,
    name: options.name ?? 'Test User',
    role: options.role ?? 'user',
    webrtcEnabled: options.webrtcEnabled ?? true,
    passwordHash: await passwordHash,
  })
  const token = app.issueToken({ id: user.id, tenantId: user.tenantId, role: user.role })
  return { user, password: TEST_PASSWORD, token, headers: { authorization: `Bearer ${token}` } }
}

/** Another tenant with its own fingerprint and signed local Developer license. */
export async function createTestTenant({ db, secrets }: TestApp, name = 'Other Tenant'): Promise<Tenant> {
  const tenant = await insertTenant(db, { name, fingerprint: `fp-${randomBytes(8).toString('hex')}` })
  await issueDeveloperLicense(db, secrets.licensePrivateKey, tenant)
  return tenant
}

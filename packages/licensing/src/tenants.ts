import { AppError } from '@license-hub/contract'
import { generateFingerprint } from '@license-hub/core'
import { insertTenant, type Tenant } from '@license-hub/db'
import type { LicensingContext } from './context.js'
import { issueDeveloperLicense } from './local-licenses.js'

const UNIQUE_VIOLATION = '23505'

/** A new tenant with its signed local Developer license (the floor whenever no external license applies), in one transaction. */
export async function createTenant(ctx: LicensingContext, input: { name: string; fingerprint?: string }): Promise<Tenant> {
  const fingerprint = input.fingerprint ?? generateFingerprint()
  const tenant = await ctx.db.transaction().execute(async (trx) => {
    const created = await insertTenant(trx, { name: input.name, fingerprint }).catch((err: { code?: string }) => {
      throw err.code === UNIQUE_VIOLATION ? new AppError('CONFLICT', `a tenant with fingerprint ${fingerprint} already exists`) : err
    })
    await issueDeveloperLicense(trx, ctx.secrets.licensePrivateKey, created)
    return created
  })
  ctx.log.info({ tenantId: tenant.id, code: 'TENANT_CREATED' }, 'tenant created with its local Developer license')
  return tenant
}

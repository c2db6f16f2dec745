import { AppError, type LicenseRecord } from '@license-hub/contract'
import { isUuid } from '@license-hub/core'
import { findTenant, type Tenant } from '@license-hub/db'
import type { LicensingContext } from './context.js'
import { withLicenseChangeEvents } from './license-changes.js'
import { licenseRecords } from './license-records.js'
import { issueLocalLicense, requestedLicenseDates } from './local-licenses.js'

/** What an admin asks for when issuing a local license (the REST body's fields, dates as given). */
export interface GenerateLicense {
  licenseTypeId: number
  /** Default: the tenant's name. */
  organizationName?: string
  webrtcMaxUsers?: number
  /** Must be the tenant's own fingerprint when given. */
  serverFingerprint?: string
  issuedAt?: string
  expiresAt?: string
}

/** Local licenses can be issued only in local mode: with a license server configured, it owns them. */
export function assertLocalMode(ctx: LicensingContext): void {
  if (ctx.config.licenseServer) throw new AppError('NOT_IMPLEMENTED', 'Licenses are managed by the external license server; local licenses cannot be generated')
}

/** The tenant an operator or a token names, or 404 NOT_FOUND (a malformed id names none). */
export async function tenantOf(ctx: Pick<LicensingContext, 'db'>, tenantId: string): Promise<Tenant> {
  const tenant = isUuid(tenantId) ? await findTenant(ctx.db, tenantId) : undefined
  if (!tenant) throw new AppError('NOT_FOUND', `no tenant ${tenantId}`)
  return tenant
}

/**
 * POST /api/licenses/generate and `cli license generate`: signs a local license for the tenant,
 * drops its cached license and tells its clients what changed, as a sync would.
 */
export async function generateLicense(ctx: LicensingContext, tenant: Tenant, request: GenerateLicense): Promise<LicenseRecord> {
  assertLocalMode(ctx)
  if (request.serverFingerprint !== undefined && request.serverFingerprint !== tenant.fingerprint) {
    throw new AppError('VALIDATION_ERROR', 'body.serverFingerprint must be this tenant\'s fingerprint')
  }
  const dates = requestedLicenseDates({ issuedAt: request.issuedAt, expiresAt: request.expiresAt }, ctx.now())
  const issued = await withLicenseChangeEvents(ctx, tenant.id, () => issueLocalLicense(ctx.db, ctx.secrets.licensePrivateKey, {
    tenantId: tenant.id, organizationName: request.organizationName ?? tenant.name, serverFingerprint: tenant.fingerprint,
    licenseTypeId: request.licenseTypeId, webrtcMaxUsers: request.webrtcMaxUsers, ...dates,
  }))
  ctx.log.info({ tenantId: tenant.id, licenseId: issued.id, licenseTypeId: issued.licenseTypeId, code: 'OK' }, 'local license issued')
  return (await licenseRecords(ctx, tenant.id)).find((l) => l.id === issued.id)!
}

import { expiredEvent, expiringEvent, isExpired, LICENSE_EXPIRING_DAYS } from '@license-hub/core'
import { listTenants } from '@license-hub/db'
import type { ExpiryScanOutcome } from '@license-hub/contract'
import type { LicensingContext } from './context.js'
import { expiryScope, publishLicenseEventOnce } from './events-once.js'
import { invalidateLicenseCache, licenseInForce } from './license-resolution.js'

const DAY_MS = 86_400_000

/**
 * Tells each tenant about its license in force: license_expiring when it expires within 30 days,
 * license_expired once when it has (again after a renewal that expires in turn). "Once" holds across every worker and api node, since
 * publishLicenseEventOnce orders them on an advisory lock and checks the events table.
 */
export async function scanExpiry(ctx: LicensingContext): Promise<ExpiryScanOutcome> {
  const outcome: ExpiryScanOutcome = { scanned: 0, expiring: 0, expired: 0 }
  const now = ctx.now()
  for (const tenant of await listTenants(ctx.db)) {
    const license = await licenseInForce(ctx, tenant.id)
    if (!license) continue
    outcome.scanned++
    const expiresAt = license.expiresAt ? new Date(license.expiresAt) : null
    if (isExpired({ status: license.status.toLowerCase(), expiresAt: license.expiresAt }, now)) {
      if (await publishLicenseEventOnce(ctx, tenant.id, license.id, expiredEvent(license.expiresAt, now), expiryScope(license))) {
        outcome.expired++
        // The license in force may now be another one (an older local license still valid).
        await invalidateLicenseCache(ctx, tenant.id)
      }
    } else if (expiresAt && expiresAt.getTime() - now.getTime() <= LICENSE_EXPIRING_DAYS * DAY_MS) {
      if (await publishLicenseEventOnce(ctx, tenant.id, license.id, expiringEvent(expiresAt, now), 'day')) outcome.expiring++
    }
  }
  ctx.log.info({ ...outcome, code: 'EXPIRY_SCAN_OK' }, 'expiry scan finished')
  return outcome
}

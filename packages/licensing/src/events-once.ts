import type { LicenseEvent, PublishedEvent } from '@license-hub/contract'
import { licenseEventSent, lockForTransaction, type LicenseEventScope } from '@license-hub/db'
import type { LicensingContext } from './context.js'
import { publishEvent } from './events.js'

/**
 * Once per license ('ever'), per license and UTC day ('day'), or per license and expiry date
 * (`expiryScope`): a license renewed with a new date that expires again is told again.
 */
export type OnceScope = LicenseEventScope

/** The scope of license_expired: once for each expiry date the license had. */
export function expiryScope(license: { expiresAt: string | Date | null }): OnceScope {
  return { licenseExpiresAt: license.expiresAt === null ? null : new Date(license.expiresAt).toISOString() }
}

/**
 * Publishes a license event at most once in its scope, however many workers and api nodes try at
 * the same moment: a transaction-scoped advisory lock orders them and the events table says
 * whether it was already told. The event's data names the license (and, per expiry, its date).
 */
export async function publishLicenseEventOnce(
  ctx: LicensingContext, tenantId: string, licenseId: string, event: LicenseEvent<'license_expiring' | 'license_expired'>,
  scope: OnceScope = 'ever'
): Promise<PublishedEvent | undefined> {
  return ctx.db.transaction().execute(async (trx) => {
    await lockForTransaction(trx, `${event.type}:${licenseId}`)
    if (await licenseEventSent(trx, tenantId, event.type, licenseId, scope)) return undefined
    const expiry = typeof scope === 'object' ? { licenseExpiresAt: scope.licenseExpiresAt } : {}
    const withLicense = { ...event, data: { ...event.data, licenseId, ...expiry } } as LicenseEvent
    return publishEvent({ ...ctx, db: trx }, tenantId, withLicense)
  })
}

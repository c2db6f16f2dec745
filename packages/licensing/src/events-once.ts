import type { LicenseEvent, PublishedEvent } from '@license-hub/contract'
import { licenseEventSent, lockForTransaction } from '@license-hub/db'
import type { LicensingContext } from './context.js'
import { publishEvent } from './events.js'

/**
 * Publishes a license event at most once per license (or once per license and UTC day), however
 * many workers and api nodes try at the same moment: a transaction-scoped advisory lock orders
 * them and the events table says whether it was already told. The event's data names the license.
 */
export async function publishLicenseEventOnce(
  ctx: LicensingContext, tenantId: string, licenseId: string, event: LicenseEvent<'license_expiring' | 'license_expired'>,
  scope: 'ever' | 'day' = 'ever',
): Promise<PublishedEvent | undefined> {
  return ctx.db.transaction().execute(async (trx) => {
    await lockForTransaction(trx, `${event.type}:${licenseId}`)
    if (await licenseEventSent(trx, tenantId, event.type, licenseId, scope)) return undefined
    const withLicense = { ...event, data: { ...event.data, licenseId } } as LicenseEvent
    return publishEvent({ ...ctx, db: trx }, tenantId, withLicense)
  })
}

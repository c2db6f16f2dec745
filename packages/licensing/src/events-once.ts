import { sql } from 'kysely'
import type { LicenseEvent, PublishedEvent } from '@license-hub/contract'
import { lockForTransaction } from '@license-hub/db'
import type { LicensingContext } from './context.js'
import { publishEvent } from './events.js'

/**
 * Publishes a license event at most once per license (or once per license and UTC day), however
 * many workers and api nodes try at the same moment: a transaction-scoped advisory lock orders
 * them and the events table says whether it was already told. The event's data names the license.
 */
export async function publishLicenseEventOnce(
  ctx: LicensingContext, tenantId: string, licenseId: string, event: LicenseEvent, scope: 'ever' | 'day' = 'ever',
): Promise<PublishedEvent | undefined> {
  return ctx.db.transaction().execute(async (trx) => {
    await lockForTransaction(trx, `${event.type}:${licenseId}`)
    let seen = trx.selectFrom('events').select('id').where('tenantId', '=', tenantId).where('type', '=', event.type)
      .where(sql<string>`data->>'licenseId'`, '=', licenseId)
    if (scope === 'day') seen = seen.where(sql<string>`(created_at at time zone 'UTC')::date`, '=', sql<string>`(now() at time zone 'UTC')::date`)
    if (await seen.executeTakeFirst()) return undefined
    const withLicense = { ...event, data: { ...event.data, licenseId } } as unknown as LicenseEvent
    return publishEvent({ ...ctx, db: trx }, tenantId, withLicense)
  })
}

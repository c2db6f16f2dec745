import type { LicenseSummary } from '@license-hub/contract'
import { diffLicense, type LicenseDiffEvent, type LicenseSnapshot } from '@license-hub/core'
import type { LicensingContext } from './context.js'
import type { PublishedEvent } from '@license-hub/contract'
import { publishEvents, type Publication } from './events.js'
import { expiryScope, publishLicenseEventOnce } from './events-once.js'
import { invalidateLicenseCache, licenseInForce } from './license-resolution.js'

export function snapshotOf(summary: LicenseSummary): LicenseSnapshot {
  return {
    status: summary.status,
    expiresAt: summary.expiresAt,
    maxUsers: summary.maxUsers,
    webrtcMaxUsers: summary.webrtcMaxUsers,
    licenseTypeId: summary.licenseType.id,
    organizationName: summary.organizationName,
    features: summary.features,
  }
}

/**
 * What a tenant's clients must be told when its license in force changes from `before` to
 * `after`. Comparing the licenses in force (not rows) covers a hand-over between the external
 * and the local license too: it is reported as a license_updated naming `source`.
 */
export function licenseChangeEvents(before: LicenseSummary | undefined, after: LicenseSummary, now: Date): LicenseDiffEvent[] {
  const events = diffLicense(before ? snapshotOf(before) : null, snapshotOf(after), now)
  // Another license now applies: `source` when it moved between external and local, else `id`.
  const handedOver = before === undefined ? undefined : before.source !== after.source ? 'source' : before.id !== after.id ? 'id' : undefined
  if (!handedOver) return events
  const updated = events.find((e) => e.type === 'license_updated')
  if (updated && updated.type === 'license_updated') {
    updated.data.changes = [...new Set([...updated.data.changes, handedOver])]
    return events
  }
  return [...events, { type: 'license_updated', data: { changes: [handedOver], severity: 'info', message: 'Your license has been updated' } }]
}

/**
 * Publishes the events of a change of a tenant's license in force (sync, admin change).
 * license_expired goes out once per license and expiry date, whoever notices first (sync, scan or
 * validation); a license renewed with a new date that expires again is told again.
 */
export async function publishLicenseChanges(
  ctx: LicensingContext, tenantId: string, before: LicenseSummary | undefined, after: LicenseSummary
): Promise<PublishedEvent[]> {
  const published: PublishedEvent[] = []
  // The events between two license_expired ones (usually all of them) go out as one publication.
  let run: Publication[] = []
  const flush = async () => {
    if (run.length > 0) published.push(...await publishEvents(ctx, tenantId, run))
    run = []
  }
  for (const event of licenseChangeEvents(before, after, ctx.now())) {
    if (event.type !== 'license_expired') {
      run.push({ event })
      continue
    }
    await flush()
    const sent = await publishLicenseEventOnce(ctx, tenantId, after.id, event, expiryScope(after))
    if (sent) published.push(sent)
  }
  await flush()
  return published
}

/**
 * Runs an admin change of a tenant's licenses (allocation, a generated license) and tells its
 * clients what that changed in their license in force, as a sync does; the cache is dropped.
 */
export async function withLicenseChangeEvents<T>(ctx: LicensingContext, tenantId: string, change: () => Promise<T>): Promise<T> {
  const before = await licenseInForce(ctx, tenantId)
  const result = await change()
  await invalidateLicenseCache(ctx, tenantId)
  const after = await licenseInForce(ctx, tenantId)
  if (after) await publishLicenseChanges(ctx, tenantId, before, after)
  return result
}

import { listLapsedExternalCopies, withdrawLapsedCopies } from '@license-hub/db'
import type { LicensingContext } from './context.js'
import { invalidateLicenseCache, licenseInForce } from './license-resolution.js'
import { publishLicenseChanges } from './license-changes.js'
import { lockExternalSync } from './sync-lock.js'

/**
 * During a long outage an external copy stops applying once LICENSE_SYNC_GRACE has passed since
 * its last sync, and the tenant's local license takes over. Each failed sync retires such copies
 * (withdrawn_at, as a withdrawal by the server would) and tells the tenant's clients of the
 * hand-over, once; a later good sync brings the same rows back. Returns the events published.
 */
export async function retireLapsedCopies(ctx: LicensingContext): Promise<number> {
  const now = ctx.now()
  const cutoff = new Date(now.getTime() - ctx.config.licenseSyncGraceMs)
  const lapsed = await listLapsedExternalCopies(ctx.db, cutoff)
  let published = 0
  for (const tenantId of new Set(lapsed.map((row) => row.tenantId))) {
    const rows = lapsed.filter((row) => row.tenantId === tenantId)
    // What the tenant had in force just before the last of its copies ran out of grace.
    const edge = Math.max(...rows.map((row) => row.lastSyncedAt!.getTime())) + ctx.config.licenseSyncGraceMs - 1
    const before = await licenseInForce(ctx, tenantId, new Date(edge))
    const retired = await ctx.db.transaction().execute(async (trx) => {
      await lockExternalSync(trx) // a retirement never interleaves with a sync
      return withdrawLapsedCopies(trx, rows.map((row) => row.id), cutoff, now)
    })
    if (retired.length === 0) continue
    ctx.log.warn({ tenantId, licenseIds: retired, code: 'LICENSE_GRACE_EXPIRED' },
      'external license not synced within LICENSE_SYNC_GRACE: the local license applies')
    await invalidateLicenseCache(ctx, tenantId)
    const after = await licenseInForce(ctx, tenantId, now)
    if (after) published += (await publishLicenseChanges(ctx, tenantId, before, after)).length
  }
  return published
}

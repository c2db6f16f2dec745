import { planTenantCopies, typesToUpsert } from '@license-hub/core'
import { listExternalCopies, listLicenseTypes, listTenants, replaceExternalCopies, upsertExternalLicenseTypes } from '@license-hub/db'
import { LicenseServerError, type LicenseServerClient } from '@license-hub/license-server'
import type { ExternalLicense, ExternalLicenseType, LicenseSummary, SyncOutcome } from '@license-hub/contract'
import type { LicensingContext } from './context.js'
import { invalidateLicenseCache, licenseInForce } from './license-resolution.js'
import { publishLicenseChanges } from './license-changes.js'
import { retireLapsedCopies } from './grace.js'
import { lockExternalSync } from './sync-lock.js'
import { noticeShrink } from './seats/usage.js'

export type { SyncOutcome }

interface Fetched {
  answer: { found: true; licenses: ExternalLicense[] } | { found: false }
  types: ExternalLicenseType[]
  /** The server's own allocation per external id where its optional call answered, 'failed' where it failed. */
  allocations: Map<string, number | 'failed'>
}

async function fetchAll(ctx: LicensingContext, client: LicenseServerClient, fingerprints: Set<string>): Promise<Fetched> {
  const typesCall = client.fetchLicenseTypes().catch((err: unknown) => {
    ctx.log.warn({ err, code: 'SYNC_TYPES_FAILED' }, 'license types not synced: keeping the ones we have')
    return [] as ExternalLicenseType[]
  })
  const answer = await client.fetchLicenses()
  const allocations: Fetched['allocations'] = new Map()
  if (answer.found) {
    const ours = answer.licenses.filter((l) => fingerprints.has(l.server_fingerprint))
    await Promise.all(ours.map(async (license) => {
      const allocation = await client.fetchWebrtcAllocation(license.id).catch((err: unknown) => {
        ctx.log.warn({ err, externalId: String(license.id) }, 'webrtc-sessions call failed: keeping the stored allocation')
        return 'failed' as const
      })
      if (allocation !== undefined) allocations.set(String(license.id), allocation)
    }))
  }
  return { answer, types: await typesCall, allocations }
}

/**
 * One sync with the external license server. Everything it stores happens in one transaction:
 * a worker killed halfway leaves the previous state, and the job runs again. A timeout, refused
 * connection, 5xx or malformed answer changes nothing; a 404 withdraws every external copy (the
 * server has no license for us), and so does a license missing from a successful answer.
 */
export async function syncExternalLicenses(ctx: LicensingContext, client: LicenseServerClient | undefined): Promise<SyncOutcome> {
  const started = Date.now()
  const outcome: SyncOutcome = { status: 'synced', licensesSynced: 0, changed: 0, withdrawn: 0, typesSynced: 0, eventsPublished: 0, durationMs: 0 }
  const finish = () => {
    outcome.durationMs = Date.now() - started
    return outcome
  }

  if (!client) {
    outcome.status = 'local-mode'
    return finish()
  }

  const tenants = await listTenants(ctx.db)
  let fetched: Fetched
  try {
    fetched = await fetchAll(ctx, client, new Set(tenants.map((t) => t.fingerprint)))
  } catch (err) {
    const failure = err instanceof LicenseServerError ? err : undefined
    const message = err instanceof Error ? err.message : String(err)
    outcome.status = 'failed'
    outcome.error = { kind: failure?.kind ?? 'unreachable', message }
    ctx.log.error({ err, kind: outcome.error.kind, code: 'SYNC_FAILED', server: client.url }, 'Error syncing from external server')
    outcome.eventsPublished = await retireLapsedCopies(ctx)
    return finish()
  }

  const now = ctx.now()
  const licenses = fetched.answer.found ? fetched.answer.licenses : []
  const changes = await ctx.db.transaction().execute(async (trx) => {
    await lockExternalSync(trx)
    const tctx = { ...ctx, db: trx }
    const nested = licenses.flatMap((l) => (l.license_type ? [l.license_type] : []))
    const upserts = typesToUpsert(fetched.types, nested, await listLicenseTypes(trx))
    outcome.typesSynced = await upsertExternalLicenseTypes(trx, upserts, [])
    const types = new Map((await listLicenseTypes(trx)).map((t) => [t.id, t]))

    const current = await listExternalCopies(trx)
    const touched = new Set(current.filter((r) => r.withdrawnAt === null).map((r) => r.tenantId))
    for (const tenant of tenants) if (licenses.some((l) => l.server_fingerprint === tenant.fingerprint)) touched.add(tenant.id)
    const before = new Map<string, LicenseSummary | undefined>()
    for (const tenantId of touched) before.set(tenantId, await licenseInForce(tctx, tenantId))

    for (const tenant of tenants) {
      const ours = licenses.filter((l) => l.server_fingerprint === tenant.fingerprint)
      const plan = planTenantCopies({
        tenantId: tenant.id, licenses: ours, rows: current.filter((r) => r.tenantId === tenant.id), allocations: fetched.allocations,
        typeFeatures: (id) => types.get(id)?.features, now,
      })
      await replaceExternalCopies(trx, plan, now)
      outcome.licensesSynced += ours.length
      outcome.changed += plan.changed
      outcome.withdrawn += plan.withdraw.length
      if (plan.withdraw.length > 0) {
        ctx.log.warn({ tenantId: tenant.id, licenseIds: plan.withdraw, code: 'LICENSE_WITHDRAWN' },
          fetched.answer.found ? 'external license no longer listed by the server: withdrawn' : 'external server has no license for us: withdrawn')
      }
    }

    const after = new Map<string, LicenseSummary | undefined>()
    for (const tenantId of touched) after.set(tenantId, await licenseInForce(tctx, tenantId))
    return { touched, before, after }
  })

  // Published after the commit, so a client told of a change always finds it over REST.
  const stale = outcome.typesSynced > 0 ? tenants.map((t) => t.id) : [...changes.touched]
  for (const tenantId of stale) await invalidateLicenseCache(ctx, tenantId)
  for (const tenantId of changes.touched) {
    const after = changes.after.get(tenantId)
    if (!after) continue
    outcome.eventsPublished += (await publishLicenseChanges(ctx, tenantId, changes.before.get(tenantId), after)).length
    try {
      if (await noticeShrink(ctx, tenantId, changes.before.get(tenantId), after)) outcome.eventsPublished++
    } catch (err) {
      // The sync itself is done and committed; only the usage notice is lost.
      ctx.log.warn({ err, tenantId, code: 'USAGE_NOTICE_FAILED' }, 'live seats not counted after the sync: no usage_limit_exceeded sent')
    }
    ctx.log.info({ tenantId, licenseId: after.id, source: after.source, code: 'LICENSE_SYNCED' }, 'license in force after sync')
  }

  if (!fetched.answer.found) outcome.status = 'no-license'
  finish()
  ctx.log.info({
    code: fetched.answer.found ? 'SYNC_OK' : 'SYNC_NO_LICENSE', licensesSynced: outcome.licensesSynced, changed: outcome.changed,
    withdrawn: outcome.withdrawn, typesSynced: outcome.typesSynced, events: outcome.eventsPublished, durationMs: outcome.durationMs,
  }, fetched.answer.found ? 'external sync finished' : 'external server has no license for us: local licenses apply')
  return outcome
}

import { groupBy, planTenantCopies, typesToUpsert, type CopiesPlan } from '@license-hub/core'
import { listLicenseTypes, listLicensesForSync, listTenants, replaceExternalCopies, upsertExternalLicenseTypes } from '@license-hub/db'
import type { LicenseServerClient } from '@license-hub/license-server'
import { LicenseServerError } from '@license-hub/license-server/errors'
import type { ExternalLicense, ExternalLicenseType, SyncOutcome } from '@license-hub/contract'
import type { LicensingContext } from './context.js'
import { invalidateLicenseCache, licensesInForce } from './license-resolution.js'
import { publishLicenseChanges } from './license-changes.js'
import { retireLapsedCopies } from './grace.js'
import { lockExternalSync } from './sync-lock.js'
import { noticeShrink } from './seats/usage.js'

export type { SyncOutcome }

/** Tenants whose events a sync publishes at once (each publication is a Postgres insert and a Redis publish). */
const TENANTS_AT_ONCE = 8

/** Runs `fn` over `items`, `limit` at a time, answering in order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }))
  return out
}

type Allocations = Map<string, number | 'failed'>

interface Fetched {
  answer: { found: true; licenses: ExternalLicense[] } | { found: false }
  types: ExternalLicenseType[]
  /**
   * The server's own allocation per external id where its optional call answered, 'failed' where
   * it failed; still in flight while the sync reads what it has (it never rejects).
   */
  allocations: Promise<Allocations>
}

async function fetchAll(ctx: LicensingContext, client: LicenseServerClient, fingerprints: Set<string>): Promise<Fetched> {
  const typesCall = client.fetchLicenseTypes().catch((err: unknown) => {
    ctx.log.warn({ err, code: 'SYNC_TYPES_FAILED' }, 'license types not synced: keeping the ones we have')
    return [] as ExternalLicenseType[]
  })
  const answer = await client.fetchLicenses()
  const ours = answer.found ? answer.licenses.filter((l) => fingerprints.has(l.server_fingerprint)) : []
  return { answer, types: await typesCall, allocations: fetchAllocations(ctx, client, ours) }
}

async function fetchAllocations(ctx: LicensingContext, client: LicenseServerClient, ours: ExternalLicense[]): Promise<Allocations> {
  const allocations: Allocations = new Map()
  if (ours.length === 0) return allocations
  // Over the client's pooled connections, a bounded number at a time (one socket per license
  // made the server and this process spend the sync opening and closing thousands of them).
  const answers = await client.fetchWebrtcAllocations(ours.map((l) => l.id)).catch((err: unknown) => {
    const failure = err instanceof Error ? err : new Error(String(err))
    return new Map(ours.map((l) => [String(l.id), failure]))
  })
  const failed: string[] = []
  let cause: string | undefined
  for (const [id, allocation] of answers) {
    if (allocation instanceof Error) {
      failed.push(id)
      cause ??= allocation.message
      allocations.set(id, 'failed')
    } else if (allocation !== undefined) {
      allocations.set(id, allocation)
    }
  }
  // One line for the lot: a server whose call is down would otherwise log once per license.
  if (failed.length > 0) {
    ctx.log.warn({ externalIds: failed.slice(0, 20), failed: failed.length, cause, code: 'SYNC_ALLOCATION_FAILED' },
      'webrtc-sessions call failed: keeping the stored allocation')
  }
  return allocations
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

    const stored = await listLicensesForSync(trx)
    const current = stored.filter((r) => r.source === 'external')
    const licensesOf = groupBy(licenses, (l) => l.server_fingerprint)
    const rowsOf = groupBy(current, (r) => r.tenantId)
    const touched = new Set(current.filter((r) => r.withdrawnAt === null).map((r) => r.tenantId))
    for (const tenant of tenants) if (licensesOf.has(tenant.fingerprint)) touched.add(tenant.id)
    const before = await licensesInForce(tctx, touched, stored)
    // The webrtc-sessions calls went on while the lines above read what we have.
    const allocations = await fetched.allocations

    // Every tenant's copies in one set of statements (an update, an insert, a withdrawal).
    const plans: Omit<CopiesPlan, 'changed'> = { update: [], touch: [], insert: [], withdraw: [] }
    // Tenants whose copies are written (not merely touched): only their license in force can change.
    const rewritten = new Set<string>()
    for (const tenant of tenants) {
      const ours = licensesOf.get(tenant.fingerprint) ?? []
      const plan = planTenantCopies({
        tenantId: tenant.id, licenses: ours, rows: rowsOf.get(tenant.id) ?? [], allocations,
        typeFeatures: (id) => types.get(id)?.features, now,
      })
      for (const update of plan.update) plans.update.push(update)
      for (const id of plan.touch) plans.touch.push(id)
      for (const copy of plan.insert) plans.insert.push(copy)
      for (const id of plan.withdraw) plans.withdraw.push(id)
      outcome.licensesSynced += ours.length
      outcome.changed += plan.changed
      outcome.withdrawn += plan.withdraw.length
      if (plan.update.length + plan.insert.length + plan.withdraw.length > 0) rewritten.add(tenant.id)
      if (plan.withdraw.length > 0) {
        ctx.log.warn({ tenantId: tenant.id, licenseIds: plan.withdraw, code: 'LICENSE_WITHDRAWN' },
          fetched.answer.found ? 'external license no longer listed by the server: withdrawn' : 'external server has no license for us: withdrawn')
      }
    }
    await replaceExternalCopies(trx, plans, now)

    // A tenant whose copies were only touched keeps the license it had (last_synced_at aside, which
    // no event or notice reads), unless the license types changed: its summary carries its type's.
    // Reading 5,000 unchanged licenses back was a tenth of a sync that found nothing new.
    const changed = outcome.typesSynced > 0 ? touched : new Set([...touched].filter((id) => rewritten.has(id)))
    const after = new Map(before)
    for (const [tenantId, license] of await licensesInForce(tctx, changed)) after.set(tenantId, license)
    return { touched, before, after }
  })

  // Published after the commit, so a client told of a change always finds it over REST. Tenants
  // are independent of each other (their events keep their order), so they go a few at a time.
  const stale = outcome.typesSynced > 0 ? tenants.map((t) => t.id) : [...changes.touched]
  await Promise.all(stale.map((tenantId) => invalidateLicenseCache(ctx, tenantId)))
  outcome.eventsPublished += (await mapLimit([...changes.touched], TENANTS_AT_ONCE, async (tenantId) => {
    const after = changes.after.get(tenantId)
    if (!after) return 0
    const before = changes.before.get(tenantId)
    let published = (await publishLicenseChanges(ctx, tenantId, before, after)).length
    try {
      if (await noticeShrink(ctx, tenantId, before, after)) published++
    } catch (err) {
      // The sync itself is done and committed; only the usage notice is lost.
      ctx.log.warn({ err, tenantId, code: 'USAGE_NOTICE_FAILED' }, 'live seats not counted after the sync: no usage_limit_exceeded sent')
    }
    ctx.log.info({ tenantId, licenseId: after.id, source: after.source, code: 'LICENSE_SYNCED' }, 'license in force after sync')
    return published
  })).reduce((a, b) => a + b, 0)

  if (!fetched.answer.found) outcome.status = 'no-license'
  finish()
  ctx.log.info({
    code: fetched.answer.found ? 'SYNC_OK' : 'SYNC_NO_LICENSE', licensesSynced: outcome.licensesSynced, changed: outcome.changed,
    withdrawn: outcome.withdrawn, typesSynced: outcome.typesSynced, events: outcome.eventsPublished, durationMs: outcome.durationMs,
  }, fetched.answer.found ? 'external sync finished' : 'external server has no license for us: local licenses apply')
  return outcome
}

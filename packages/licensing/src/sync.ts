import { DEVELOPER_LICENSE_TYPE_ID, parseFeatures } from '@license-hub/core'
import { listLicenseTypes, listTenants, upsertExternalLicenseTypes, type Db, type LicenseType, type LicenseTypeInput, type ServerLicense, type Tenant } from '@license-hub/db'
import { LicenseServerError, type ExternalLicense, type ExternalLicenseType, type LicenseServerClient } from '@license-hub/license-server'
import type { LicenseSummary, SyncOutcome } from '@license-hub/contract'
import type { LicensingContext } from './context.js'

export type { SyncOutcome }
import { invalidateLicenseCache, resolveFromDatabase } from './license-resolution.js'
import { publishLicenseChanges } from './license-changes.js'
import { retireLapsedCopies } from './grace.js'
import { lockExternalSync } from './sync-lock.js'


type Trx = Db

// jsonb reorders keys, so features compare by sorted entries.
const canonical = (features: Record<string, boolean>) => JSON.stringify(Object.entries(features).sort(([a], [b]) => a.localeCompare(b)))
const time = (value: Date | string | null | undefined) => (value == null ? null : new Date(value).getTime())

function typeInput(type: ExternalLicenseType, existing: LicenseType | undefined): LicenseTypeInput {
  const price = Number(type.price_monthly)
  return {
    id: type.id,
    name: type.name,
    maxUsers: type.max_concurrent_users ?? type.max_users ?? existing?.maxUsers ?? 0,
    features: parseFeatures(type.features ?? existing?.features).features,
    // An answer without a usable price keeps the one we have.
    priceMonthly: type.price_monthly !== undefined && Number.isFinite(price) ? price : existing?.priceMonthly ?? 0,
  }
}

function sameType(a: LicenseTypeInput, b: LicenseType): boolean {
  return a.name === b.name && a.maxUsers === b.maxUsers && Number(a.priceMonthly) === Number(b.priceMonthly)
    && canonical(parseFeatures(a.features).features) === canonical(parseFeatures(b.features).features)
}

/**
 * Upserts the server's types by id (never the local Developer type), and the types nested in its
 * licenses that we do not know yet. An empty or failed types answer changes nothing.
 */
async function syncTypes(trx: Trx, answered: ExternalLicenseType[], nested: ExternalLicenseType[]): Promise<number> {
  const existing = new Map((await listLicenseTypes(trx)).map((t) => [t.id, t]))
  const wanted = new Map<number, LicenseTypeInput>()
  for (const type of nested) if (!existing.has(type.id)) wanted.set(type.id, typeInput(type, undefined))
  for (const type of answered) wanted.set(type.id, typeInput(type, existing.get(type.id)))
  const changed = [...wanted.values()].filter((t) => t.id !== DEVELOPER_LICENSE_TYPE_ID)
    .filter((t) => { const old = existing.get(t.id); return !old || !sameType(t, old) })
  return upsertExternalLicenseTypes(trx, changed, [DEVELOPER_LICENSE_TYPE_ID])
}

function licenseValues(license: ExternalLicense, tenant: Tenant, webrtcMaxUsers: number, typeFeatures: unknown, previous: ServerLicense | undefined, now: Date) {
  // The contract: a license's features are those of the type nested in it (two licenses of one type may differ).
  const features = parseFeatures(license.license_type?.features ?? license.features ?? typeFeatures).features
  return {
    source: 'external' as const,
    externalId: String(license.id),
    tenantId: tenant.id,
    organizationName: license.organization_name,
    serverFingerprint: license.server_fingerprint,
    status: license.status,
    maxUsers: license.max_users,
    webrtcMaxUsers,
    licenseTypeId: license.license_type_id,
    features: JSON.stringify(features),
    raw: JSON.stringify(license),
    signature: null,
    issuedAt: license.issued_at ? new Date(license.issued_at) : previous?.issuedAt ?? now,
    expiresAt: license.expires_at ? new Date(license.expires_at) : null,
    lastSyncedAt: now,
    withdrawnAt: null,
  }
}

function differs(row: ServerLicense, values: ReturnType<typeof licenseValues>): boolean {
  return row.withdrawnAt !== null || row.organizationName !== values.organizationName || row.serverFingerprint !== values.serverFingerprint
    || row.status !== values.status || row.maxUsers !== values.maxUsers || row.webrtcMaxUsers !== values.webrtcMaxUsers
    || row.licenseTypeId !== values.licenseTypeId || time(row.issuedAt) !== time(values.issuedAt) || time(row.expiresAt) !== time(values.expiresAt)
    || canonical(parseFeatures(row.features).features) !== canonical(parseFeatures(values.features).features)
}

interface Fetched {
  answer: { found: true; licenses: ExternalLicense[] } | { found: false }
  types: ExternalLicenseType[]
  /** The server's own allocation per external id where its optional call answered, 'failed' where it failed. */
  allocations: Map<string, number | 'failed'>
}

async function fetchAll(ctx: LicensingContext, client: LicenseServerClient, fingerprints: Set<string>): Promise<Fetched> {
  const typesCall = client.fetchLicenseTypes().catch((err: unknown) => {
    ctx.log.warn({ cause: err instanceof Error ? err.message : String(err), code: 'SYNC_TYPES_FAILED' }, 'license types not synced: keeping the ones we have')
    return [] as ExternalLicenseType[]
  })
  const answer = await client.fetchLicenses()
  const allocations: Fetched['allocations'] = new Map()
  if (answer.found) {
    const ours = answer.licenses.filter((l) => fingerprints.has(l.server_fingerprint))
    await Promise.all(ours.map(async (license) => {
      const allocation = await client.fetchWebrtcAllocation(license.id).catch((err: unknown) => {
        ctx.log.warn({ externalId: String(license.id), cause: err instanceof Error ? err.message : String(err) }, 'webrtc-sessions call failed: keeping the stored allocation')
        return 'failed' as const
      })
      if (allocation !== undefined) allocations.set(String(license.id), allocation)
    }))
  }
  return { answer, types: await typesCall, allocations }
}

async function effective(ctx: LicensingContext, tenantId: string): Promise<LicenseSummary | undefined> {
  return (await resolveFromDatabase(ctx, tenantId).catch(() => undefined))?.summary
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
    ctx.log.error({ cause: message, kind: outcome.error.kind, code: 'SYNC_FAILED', server: client.url }, 'Error syncing from external server')
    outcome.eventsPublished = await retireLapsedCopies(ctx)
    return finish()
  }

  const now = ctx.now()
  const licenses = fetched.answer.found ? fetched.answer.licenses : []
  const changes = await ctx.db.transaction().execute(async (trx) => {
    await lockExternalSync(trx)
    const tctx = { ...ctx, db: trx }
    outcome.typesSynced = await syncTypes(trx, fetched.types, licenses.flatMap((l) => (l.license_type ? [l.license_type] : [])))
    const types = new Map((await listLicenseTypes(trx)).map((t) => [t.id, t]))

    const current = await trx.selectFrom('serverLicenses').selectAll().where('source', '=', 'external').execute()
    const touched = new Set(current.filter((r) => r.withdrawnAt === null).map((r) => r.tenantId))
    for (const tenant of tenants) if (licenses.some((l) => l.server_fingerprint === tenant.fingerprint)) touched.add(tenant.id)
    const before = new Map<string, LicenseSummary | undefined>()
    for (const tenantId of touched) before.set(tenantId, await effective(tctx, tenantId))

    for (const tenant of tenants) {
      const rows = current.filter((r) => r.tenantId === tenant.id)
      const ours = licenses.filter((l) => l.server_fingerprint === tenant.fingerprint)
      for (const license of ours) {
        const row = rows.find((r) => r.externalId === String(license.id))
        const served = fetched.allocations.get(String(license.id))
        // A failed webrtc-sessions call keeps what we had rather than flapping between two values.
        const allocation = typeof served === 'number' ? served : served === 'failed' && row ? row.webrtcMaxUsers : license.webrtc_max_users
        const values = licenseValues(license, tenant, allocation, types.get(license.license_type_id)?.features, row, now)
        if (row) {
          if (differs(row, values)) outcome.changed++
          await trx.updateTable('serverLicenses').set({ ...values, updatedAt: now }).where('id', '=', row.id).execute()
        } else {
          outcome.changed++
          await trx.insertInto('serverLicenses').values({ ...values, webrtcAllocation: null }).execute()
        }
        outcome.licensesSynced++
      }
      const kept = new Set(ours.map((l) => String(l.id)))
      const gone = rows.filter((r) => r.withdrawnAt === null && !kept.has(r.externalId ?? ''))
      if (gone.length > 0) {
        await trx.updateTable('serverLicenses').set({ withdrawnAt: now, updatedAt: now }).where('id', 'in', gone.map((r) => r.id)).execute()
        outcome.changed += gone.length
        outcome.withdrawn += gone.length
        ctx.log.warn({ tenantId: tenant.id, licenseIds: gone.map((r) => r.id), code: 'LICENSE_WITHDRAWN' },
          fetched.answer.found ? 'external license no longer listed by the server: withdrawn' : 'external server has no license for us: withdrawn')
      }
    }

    const after = new Map<string, LicenseSummary | undefined>()
    for (const tenantId of touched) after.set(tenantId, await effective(tctx, tenantId))
    return { touched, before, after }
  })

  // Published after the commit, so a client told of a change always finds it over REST.
  const stale = outcome.typesSynced > 0 ? tenants.map((t) => t.id) : [...changes.touched]
  for (const tenantId of stale) await invalidateLicenseCache(ctx, tenantId)
  for (const tenantId of changes.touched) {
    const after = changes.after.get(tenantId)
    if (!after) continue
    outcome.eventsPublished += (await publishLicenseChanges(ctx, tenantId, changes.before.get(tenantId), after)).length
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

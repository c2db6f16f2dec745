import { AppError, type LicenseSummary } from '@license-hub/contract'
import { groupBy, isExpired, parseFeatures, WEBRTC_FEATURE, type Features } from '@license-hub/core'
import {
  findLicenseType, findTenant, findTenants, listLicenseTypes, listLicensesInUse,
  type LicenseType, type StoredLicense, type Tenant,
} from '@license-hub/db'
import { dropLicenseCache, readLicenseCache, writeLicenseCache } from '@license-hub/redis'
import type { LicensingContext } from './context.js'
import { verifyLocalLicense } from './local-licenses.js'

/** The license in force for a tenant, with what the routes and the seat logic need of it. */
export interface EffectiveLicense {
  summary: LicenseSummary
  tenantId: string
  /** Why this license applies: shown in logs and to operators. */
  reason: 'external' | 'local:no-external' | 'local:grace-expired'
}

/** The allocation in force: the admin's allocation caps the license server's. */
export function allocationInForce(row: Pick<StoredLicense, 'webrtcMaxUsers' | 'webrtcAllocation'>): number {
  return row.webrtcAllocation === null ? row.webrtcMaxUsers : Math.min(row.webrtcMaxUsers, row.webrtcAllocation)
}

const iso = (date: Date | null) => (date ? date.toISOString() : null)

export async function summarise(ctx: LicensingContext, row: StoredLicense): Promise<LicenseSummary> {
  return summariseWith(ctx, row, await findLicenseType(ctx.db, row.licenseTypeId))
}

function summariseWith(ctx: LicensingContext, row: StoredLicense, type: LicenseType | undefined): LicenseSummary {
  const parsed = parseFeatures(row.features)
  if (parsed.malformed) ctx.log.warn({ tenantId: row.tenantId, licenseId: row.id }, 'license features are malformed: treating as no features')
  const features: Features = parsed.features
  return {
    id: row.id,
    source: row.source,
    organizationName: row.organizationName,
    status: row.status,
    licenseType: {
      id: row.licenseTypeId,
      name: type?.name ?? `Type ${row.licenseTypeId}`,
      features: type ? parseFeatures(type.features).features : {},
      maxConcurrentUsers: type?.maxUsers ?? row.maxUsers,
    },
    features,
    webrtcEnabled: features[WEBRTC_FEATURE] === true,
    maxUsers: row.maxUsers,
    webrtcMaxUsers: allocationInForce(row),
    issuedAt: row.issuedAt.toISOString(),
    expiresAt: iso(row.expiresAt),
    lastSyncedAt: iso(row.lastSyncedAt),
  }
}

/** A local license counts only if its signature verifies and it was not issued in the future (a clock turned back). */
function usableLocal(ctx: LicensingContext, row: StoredLicense): boolean {
  if (!verifyLocalLicense(row, ctx.secrets.licensePublicKey)) {
    ctx.log.error({ tenantId: row.tenantId, licenseId: row.id, code: 'LICENSE_SIGNATURE_INVALID' }, 'local license refused: signature does not verify')
    return false
  }
  if (row.issuedAt.getTime() > ctx.now().getTime() + 60_000) {
    ctx.log.error({ tenantId: row.tenantId, licenseId: row.id, code: 'LICENSE_ISSUED_IN_FUTURE' }, 'local license refused: issued in the future')
    return false
  }
  return true
}

const statusOf = (license: { status: string }) => license.status.toLowerCase()

function inForce(ctx: LicensingContext, row: StoredLicense): boolean {
  return statusOf(row) === 'active' && !isExpired({ status: statusOf(row), expiresAt: iso(row.expiresAt) }, ctx.now())
}

const newestFirst = (a: Date | null, b: Date | null) => (b?.getTime() ?? -Infinity) - (a?.getTime() ?? -Infinity)
// Ties (one sync writes every copy with the same last_synced_at) are broken by id, so that every
// reader (this node, the worker, a batch of tenants) picks the same license.
const byId = (a: StoredLicense, b: StoredLicense) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * The resolution order over a tenant's rows (external and local, not withdrawn), with no I/O:
 * an external copy of the tenant's fingerprint within LICENSE_SYNC_GRACE, else its local license.
 */
function chooseLicense(ctx: LicensingContext, tenant: Tenant, rows: StoredLicense[]): { row: StoredLicense; reason: EffectiveLicense['reason'] } {
  const now = ctx.now().getTime()
  const external = rows.filter((l) => l.source === 'external' && l.serverFingerprint === tenant.fingerprint)
    .sort((a, b) => newestFirst(a.lastSyncedAt, b.lastSyncedAt) || newestFirst(a.createdAt, b.createdAt) || byId(a, b))
  const inGrace = external.filter((l) => l.lastSyncedAt !== null && now - l.lastSyncedAt.getTime() <= ctx.config.licenseSyncGraceMs)
  // Prefer an active, unexpired copy; else the newest one, whose status then answers for it (the
  // license server said inactive or expired: falling back to the local floor would hide that).
  const chosen = inGrace.find((l) => inForce(ctx, l)) ?? inGrace[0]
  if (chosen) return { row: chosen, reason: 'external' }

  // The operator's latest usable local license wins; an expired one gives way to an older one in
  // force (the Developer floor never expires), and answers only when none is.
  const local = rows.filter((row) => row.source === 'local')
    .sort((a, b) => newestFirst(a.createdAt, b.createdAt) || newestFirst(a.issuedAt, b.issuedAt) || byId(a, b))
    .filter((row) => usableLocal(ctx, row))
  const picked = local.find((row) => inForce(ctx, row)) ?? local[0]
  if (!picked) throw new AppError('LICENSE_NOT_FOUND')
  return { row: picked, reason: external.length > 0 ? 'local:grace-expired' : 'local:no-external' }
}

/** The effective license straight from Postgres (no cache): what sync and the expiry scan compare. */
export async function resolveFromDatabase(ctx: LicensingContext, tenantId: string): Promise<EffectiveLicense> {
  const tenant = await findTenant(ctx.db, tenantId)
  if (!tenant) throw new AppError('LICENSE_NOT_FOUND')
  const { row, reason } = chooseLicense(ctx, tenant, await listLicensesInUse(ctx.db, [tenantId]))
  return { summary: await summarise(ctx, row), tenantId, reason }
}

/**
 * licenseInForce for many tenants in three queries, whatever their number (a sync compares every
 * tenant it touches before and after): a tenant with no license answers undefined. `inUse`, where
 * the caller already read them, are the licenses not withdrawn (of these tenants or more), as
 * listLicensesInUse reads them.
 */
export async function licensesInForce(
  ctx: LicensingContext, tenantIds: Iterable<string>, inUse?: StoredLicense[]
): Promise<Map<string, LicenseSummary | undefined>> {
  const ids = [...new Set(tenantIds)]
  const answers = new Map<string, LicenseSummary | undefined>(ids.map((id) => [id, undefined]))
  let tenants: Tenant[], rows: StoredLicense[], types: LicenseType[]
  try {
    [tenants, rows, types] = await Promise.all([
      findTenants(ctx.db, ids), inUse ?? listLicensesInUse(ctx.db, ids), listLicenseTypes(ctx.db),
    ])
  } catch (err) {
    ctx.log.warn({ err, tenants: ids.length }, 'licenses in force unknown: resolution failed')
    return answers
  }
  const typeById = new Map(types.map((t) => [t.id, t]))
  const rowsOf = groupBy(rows.filter((row) => row.withdrawnAt === null), (row) => row.tenantId)
  for (const tenant of tenants) {
    try {
      const { row } = chooseLicense(ctx, tenant, rowsOf.get(tenant.id) ?? [])
      answers.set(tenant.id, summariseWith(ctx, row, typeById.get(row.licenseTypeId)))
    } catch (err) {
      if (!(err instanceof AppError)) throw err
    }
  }
  return answers
}

/**
 * The license in force per Postgres (at `at`, else now), or undefined when the tenant has none.
 * A refusal (an AppError: no license) is an answer, not a fault; any other failure is logged and
 * also answers undefined, since callers compare before and after and publish nothing for an
 * unknown side.
 */
export async function licenseInForce(ctx: LicensingContext, tenantId: string, at?: Date): Promise<LicenseSummary | undefined> {
  try {
    return (await resolveFromDatabase(at ? { ...ctx, now: () => at } : ctx, tenantId)).summary
  } catch (err) {
    if (!(err instanceof AppError)) ctx.log.warn({ err, tenantId }, 'license in force unknown: resolution failed')
    return undefined
  }
}

/**
 * The tenant's effective license: from this node's memory when it holds it (an api node), else
 * from Redis, where it is cached for five minutes (Postgres answers when Redis cannot).
 */
export async function resolveLicense(ctx: LicensingContext, tenantId: string): Promise<EffectiveLicense> {
  if (ctx.node) return ctx.node.licenses.load(tenantId, () => resolveShared(ctx, tenantId))
  return resolveShared(ctx, tenantId)
}

async function resolveShared(ctx: LicensingContext, tenantId: string): Promise<EffectiveLicense> {
  const cached = await readLicenseCache<EffectiveLicense>(ctx.redis, ctx.keys, tenantId).catch((err: unknown) => {
    ctx.log.warn({ err, tenantId }, 'license cache unreadable: resolving from Postgres')
    return undefined
  })
  if (cached) return cached
  const resolved = await resolveFromDatabase(ctx, tenantId)
  await writeLicenseCache(ctx.redis, ctx.keys, tenantId, resolved).catch((err: unknown) =>
    ctx.log.warn({ err, tenantId }, 'license not cached: Redis unavailable'))
  return resolved
}

/** Called by every sync and admin change that touches a tenant's licenses. */
export async function invalidateLicenseCache(ctx: Pick<LicensingContext, 'redis' | 'keys' | 'log' | 'node'>, tenantId: string): Promise<void> {
  ctx.node?.licenses.drop(tenantId)
  await dropLicenseCache(ctx.redis, ctx.keys, tenantId).catch((err: unknown) =>
    ctx.log.warn({ err, tenantId }, 'license cache not invalidated: Redis unavailable (it expires within 5 minutes)'))
  // Again, so that a read of Redis racing the DEL cannot leave the old license in this node.
  ctx.node?.licenses.drop(tenantId)
}

/** Throws the first failing check of the contract's order, after "not found": inactive, then expired. */
export function assertLicenseUsable(license: LicenseSummary, now: Date): void {
  const status = statusOf(license)
  if (status !== 'active' && status !== 'expired') throw new AppError('LICENSE_INACTIVE')
  if (isExpired({ status, expiresAt: license.expiresAt }, now)) throw new AppError('LICENSE_EXPIRED')
}

/**
 * The contract's validation order for the extension, first failure wins: not found (by
 * resolveLicense), inactive, expired, feature not licensed, no allocation, user not allocated.
 * The seat limit is admission's own check.
 */
export function assertWebrtcAccess(license: LicenseSummary, user: { webrtcEnabled: boolean }, now: Date): void {
  assertLicenseUsable(license, now)
  if (!license.webrtcEnabled) throw new AppError('FEATURE_NOT_LICENSED')
  if (license.webrtcMaxUsers <= 0) throw new AppError('NO_ALLOCATION')
  if (!user.webrtcEnabled) throw new AppError('USER_NOT_ALLOCATED')
}

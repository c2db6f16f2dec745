import type { ExternalLicense, ExternalLicenseType } from '@license-hub/contract'
import { parseFeatures } from './features.js'
import { DEVELOPER_LICENSE_TYPE_ID } from './license-types.js'

// What one sync with the external license server means for our records, as plain functions: the
// licensing sync fetches, asks these what to write, and has packages/db write it.

/** A license type as stored. */
export interface LicenseTypeRecord {
  id: number
  name: string
  maxUsers: number
  features: unknown
  priceMonthly: string | number
}

// jsonb reorders keys, so features compare by sorted entries.
const canonical = (features: unknown) =>
  JSON.stringify(Object.entries(parseFeatures(features).features).sort(([a], [b]) => a.localeCompare(b)))
const time = (value: Date | string | null | undefined) => (value == null ? null : new Date(value).getTime())

function typeRecord(type: ExternalLicenseType, existing: LicenseTypeRecord | undefined): LicenseTypeRecord {
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

function sameType(a: LicenseTypeRecord, b: LicenseTypeRecord): boolean {
  return a.name === b.name && a.maxUsers === b.maxUsers && Number(a.priceMonthly) === Number(b.priceMonthly)
    && canonical(a.features) === canonical(b.features)
}

/**
 * The types to upsert: the server's (`answered`) by id, and those nested in its licenses that we
 * do not know yet; never the local Developer type, and none that would not change. An empty or
 * failed types answer (`answered` empty) changes nothing we have.
 */
export function typesToUpsert(
  answered: ExternalLicenseType[], nested: ExternalLicenseType[], stored: LicenseTypeRecord[]
): LicenseTypeRecord[] {
  const existing = new Map(stored.map((t) => [t.id, t]))
  const wanted = new Map<number, LicenseTypeRecord>()
  for (const type of nested) if (!existing.has(type.id)) wanted.set(type.id, typeRecord(type, undefined))
  for (const type of answered) wanted.set(type.id, typeRecord(type, existing.get(type.id)))
  return [...wanted.values()].filter((t) => t.id !== DEVELOPER_LICENSE_TYPE_ID)
    .filter((t) => { const old = existing.get(t.id); return !old || !sameType(t, old) })
}

/** The license fields a sync both writes and compares. */
interface CopyFields {
  tenantId: string
  organizationName: string
  serverFingerprint: string
  status: string
  maxUsers: number
  webrtcMaxUsers: number
  licenseTypeId: number
  issuedAt: Date
  expiresAt: Date | null
}

/** The columns a sync writes for one external copy. */
export interface ExternalCopy extends CopyFields {
  source: 'external'
  externalId: string
  /** JSON text of the parsed features. */
  features: string
  /** JSON text of the server's license as it answered. */
  raw: string
  signature: null
  lastSyncedAt: Date
  withdrawnAt: null
}

/** A stored external copy, as far as a sync compares it. */
export interface StoredCopy extends CopyFields {
  id: string
  externalId: string | null
  features: unknown
  /** The server's license as last stored (jsonb); a copy whose answer changed in any field is rewritten. */
  raw?: unknown
  withdrawnAt: Date | null
}

export function externalCopy(
  license: ExternalLicense, tenantId: string, webrtcMaxUsers: number, typeFeatures: unknown, previous: StoredCopy | undefined, now: Date
): ExternalCopy {
  return { ...copyFields(license, tenantId, webrtcMaxUsers, typeFeatures, previous, now), raw: JSON.stringify(license) }
}

/** An external copy but for its raw answer, which a sync serialises only for the copies it writes. */
function copyFields(
  license: ExternalLicense, tenantId: string, webrtcMaxUsers: number, typeFeatures: unknown, previous: StoredCopy | undefined, now: Date
): Omit<ExternalCopy, 'raw'> {
  // The contract: a license's features are those of the type nested in it (two licenses of one type may differ).
  const features = parseFeatures(license.license_type?.features ?? license.features ?? typeFeatures).features
  return {
    source: 'external',
    externalId: String(license.id),
    tenantId,
    organizationName: license.organization_name,
    serverFingerprint: license.server_fingerprint,
    status: license.status,
    maxUsers: license.max_users,
    webrtcMaxUsers,
    licenseTypeId: license.license_type_id,
    features: JSON.stringify(features),
    signature: null,
    issuedAt: license.issued_at ? new Date(license.issued_at) : previous?.issuedAt ?? now,
    expiresAt: license.expires_at ? new Date(license.expires_at) : null,
    lastSyncedAt: now,
    withdrawnAt: null,
  }
}

/** Whether writing `copy` over `row` changes the license (a mere last_synced_at bump does not). */
export function copyDiffers(row: StoredCopy, copy: Omit<ExternalCopy, 'raw'>): boolean {
  return row.withdrawnAt !== null || row.organizationName !== copy.organizationName || row.serverFingerprint !== copy.serverFingerprint
    || row.status !== copy.status || row.maxUsers !== copy.maxUsers || row.webrtcMaxUsers !== copy.webrtcMaxUsers
    || row.licenseTypeId !== copy.licenseTypeId
    || time(row.issuedAt) !== time(copy.issuedAt) || time(row.expiresAt) !== time(copy.expiresAt)
    || !sameJson(parseFeatures(row.features).features, parseFeatures(copy.features).features)
}

/** Whether two JSON values are equal whatever the order of their keys (jsonb reorders them). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const other = b as unknown[]
    return a.length === other.length && a.every((value, i) => sameJson(value, other[i]))
  }
  // Loops rather than entries and filters: a sync compares every stored copy with its answer, and
  // the arrays those built were most of the time it spent planning.
  const left = a as Record<string, unknown>
  const right = b as Record<string, unknown>
  let count = 0
  for (const key in left) {
    if (!Object.hasOwn(left, key) || left[key] === undefined) continue
    if (!sameJson(left[key], right[key])) return false
    count++
  }
  for (const key in right) if (Object.hasOwn(right, key) && right[key] !== undefined) count--
  return count === 0
}

const storedJson = (value: unknown) => {
  if (typeof value !== 'string') return value
  try { return JSON.parse(value) as unknown } catch { return value }
}

/**
 * What a sync writes for one tenant: copies to update (by row id) or insert, rows whose copy is
 * the same as the server's answer (only their last_synced_at moves), and rows to withdraw.
 */
export interface CopiesPlan {
  update: Array<{ id: string; copy: ExternalCopy }>
  touch: string[]
  insert: ExternalCopy[]
  withdraw: string[]
  /** Copies created, changed or withdrawn. */
  changed: number
}

/**
 * One tenant's external copies after the server answered `licenses` (those of its fingerprint):
 * each is written (a failed webrtc-sessions call keeps the allocation we had rather than flapping
 * between two values), and every copy still in force that the answer no longer lists is withdrawn.
 */
export function planTenantCopies(input: {
  tenantId: string
  licenses: ExternalLicense[]
  rows: StoredCopy[]
  /** The server's own allocation per external id where its optional call answered, 'failed' where it failed. */
  allocations: Map<string, number | 'failed'>
  typeFeatures: (licenseTypeId: number) => unknown
  now: Date
}): CopiesPlan {
  const plan: CopiesPlan = { update: [], touch: [], insert: [], withdraw: [], changed: 0 }
  const rowOf = new Map(input.rows.map((r) => [r.externalId, r]))
  for (const license of input.licenses) {
    const row = rowOf.get(String(license.id))
    const served = input.allocations.get(String(license.id))
    const allocation = typeof served === 'number' ? served : served === 'failed' && row ? row.webrtcMaxUsers : license.webrtc_max_users
    const fields = copyFields(license, input.tenantId, allocation, input.typeFeatures(license.license_type_id), row, input.now)
    if (row) {
      const differs = copyDiffers(row, fields)
      if (differs) plan.changed++
      // Rewriting every column of an unchanged copy cost a sync most of its time in Postgres.
      if (differs || !sameJson(storedJson(row.raw), license)) {
        plan.update.push({ id: row.id, copy: { ...fields, raw: JSON.stringify(license) } })
      } else {
        plan.touch.push(row.id)
      }
    } else {
      plan.changed++
      plan.insert.push({ ...fields, raw: JSON.stringify(license) })
    }
  }
  const kept = new Set(input.licenses.map((l) => String(l.id)))
  plan.withdraw = input.rows.filter((r) => r.withdrawnAt === null && !kept.has(r.externalId ?? '')).map((r) => r.id)
  plan.changed += plan.withdraw.length
  return plan
}

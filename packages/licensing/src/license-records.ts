import { AppError, type LicenseRecord, type LicenseSummary, type LicenseTypeView } from '@license-hub/contract'
import { parseFeatures } from '@license-hub/core'
import { listLicenses, listLicenseTypes, type LicenseType, type ServerLicense } from '@license-hub/db'
import type { LicensingContext } from './context.js'
import { allocationInForce, resolveLicense } from './license-resolution.js'
import { verifyLocalLicense } from './local-licenses.js'

const iso = (date: Date | null) => (date ? date.toISOString() : null)

/** A stored license as admins see it: `signatureValid` for local ones, `inForce` for the one /current answers with. */
export function licenseRecord(row: ServerLicense, publicKey: string, inForceId: string | undefined): LicenseRecord {
  return {
    id: row.id, source: row.source, externalId: row.externalId, organizationName: row.organizationName,
    serverFingerprint: row.serverFingerprint, status: row.status, licenseTypeId: row.licenseTypeId,
    features: parseFeatures(row.features).features, maxUsers: row.maxUsers, webrtcMaxUsers: allocationInForce(row),
    webrtcAllocation: row.webrtcAllocation, issuedAt: row.issuedAt.toISOString(), expiresAt: iso(row.expiresAt),
    lastSyncedAt: iso(row.lastSyncedAt), withdrawnAt: iso(row.withdrawnAt),
    signatureValid: row.source === 'local' ? verifyLocalLicense(row, publicKey) : null,
    inForce: row.id === inForceId,
  }
}

/** The tenant's license in force as /current resolves it (cached), or undefined when it has none. */
export function currentLicense(ctx: LicensingContext, tenantId: string): Promise<LicenseSummary | undefined> {
  return resolveLicense(ctx, tenantId).then((resolved) => resolved.summary, (err: unknown) => {
    // No license in force (an AppError) is an answer; anything else is a fault worth a line.
    if (!(err instanceof AppError)) ctx.log.warn({ err, tenantId }, 'license in force unknown: answered as none')
    return undefined
  })
}

/** GET /api/licenses/ and `cli license list`: every license of a tenant in the local cache. */
export async function licenseRecords(ctx: LicensingContext, tenantId: string): Promise<LicenseRecord[]> {
  const [rows, current] = await Promise.all([listLicenses(ctx.db, tenantId), currentLicense(ctx, tenantId)])
  return rows.map((row) => licenseRecord(row, ctx.secrets.licensePublicKey, current?.id))
}

export function licenseTypeView(type: LicenseType): LicenseTypeView {
  return {
    id: type.id, name: type.name, maxUsers: type.maxUsers, features: parseFeatures(type.features).features,
    priceMonthly: String(type.priceMonthly), source: type.source,
  }
}

/** GET /api/licenses/types: the license types, features parsed whether stored as an object or a string. */
export async function licenseTypes(ctx: Pick<LicensingContext, 'db'>): Promise<LicenseTypeView[]> {
  return (await listLicenseTypes(ctx.db)).map(licenseTypeView)
}

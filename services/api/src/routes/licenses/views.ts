import type { LicenseRecord, LicenseTypeView } from '@license-hub/contract'
import { parseFeatures } from '@license-hub/core'
import type { LicenseType, ServerLicense } from '@license-hub/db'
import { allocationInForce, verifyLocalLicense } from '@license-hub/licensing'

const iso = (date: Date | null) => (date ? date.toISOString() : null)

export function licenseTypeView(type: LicenseType): LicenseTypeView {
  return {
    id: type.id, name: type.name, maxUsers: type.maxUsers, features: parseFeatures(type.features).features,
    priceMonthly: String(type.priceMonthly), source: type.source,
  }
}

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

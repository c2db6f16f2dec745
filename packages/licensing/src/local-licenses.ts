import { DEVELOPER_LICENSE_TYPE_ID, parseFeatures, signLicense, verifyLicense, type LocalLicensePayload } from '@license-hub/core'
import { findLicenseType, insertLicense, type Db, type ServerLicense } from '@license-hub/db'
import { AppError } from '@license-hub/contract'

export interface IssueLocalLicense {
  tenantId: string
  organizationName: string
  serverFingerprint: string
  licenseTypeId: number
  expiresAt: Date | null
  issuedAt?: Date
  webrtcMaxUsers?: number
}

/** The signed fields of a stored local license, exactly as they were signed. */
export function localPayload(row: ServerLicense): LocalLicensePayload {
  return {
    tenantId: row.tenantId,
    organizationName: row.organizationName,
    serverFingerprint: row.serverFingerprint,
    licenseTypeId: row.licenseTypeId,
    status: row.status,
    maxUsers: row.maxUsers,
    webrtcMaxUsers: row.webrtcMaxUsers,
    features: parseFeatures(row.features).features,
    issuedAt: row.issuedAt.toISOString(),
    expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
  }
}

export function verifyLocalLicense(row: ServerLicense, publicKeyPem: string): boolean {
  return row.signature !== null && verifyLicense(localPayload(row), row.signature, publicKeyPem)
}

/** Signs a license of the given type with the installation's private key and stores it. */
export async function issueLocalLicense(db: Db, privateKeyPem: string, input: IssueLocalLicense): Promise<ServerLicense> {
  const type = await findLicenseType(db, input.licenseTypeId)
  if (!type) throw new AppError('VALIDATION_ERROR', `licenseTypeId: no license type ${input.licenseTypeId}`)
  // Signed timestamps are whole milliseconds, as Postgres returns them.
  const issuedAt = new Date(Math.floor((input.issuedAt ?? new Date()).getTime()))
  const payload: LocalLicensePayload = {
    tenantId: input.tenantId,
    organizationName: input.organizationName,
    serverFingerprint: input.serverFingerprint,
    licenseTypeId: type.id,
    status: 'active',
    maxUsers: type.maxUsers,
    webrtcMaxUsers: Math.min(input.webrtcMaxUsers ?? type.maxUsers, type.maxUsers),
    features: parseFeatures(type.features).features,
    issuedAt: issuedAt.toISOString(),
    expiresAt: input.expiresAt ? input.expiresAt.toISOString() : null,
  }
  return insertLicense(db, {
    source: 'local',
    externalId: null,
    tenantId: payload.tenantId,
    organizationName: payload.organizationName,
    serverFingerprint: payload.serverFingerprint,
    status: payload.status,
    maxUsers: payload.maxUsers,
    webrtcMaxUsers: payload.webrtcMaxUsers,
    webrtcAllocation: null,
    licenseTypeId: payload.licenseTypeId,
    features: JSON.stringify(payload.features),
    raw: JSON.stringify(payload),
    signature: signLicense(payload, privateKeyPem),
    issuedAt,
    expiresAt: input.expiresAt,
    lastSyncedAt: null,
    withdrawnAt: null,
  })
}

export function issueDeveloperLicense(db: Db, privateKeyPem: string, tenant: { id: string; name: string; fingerprint: string }) {
  return issueLocalLicense(db, privateKeyPem, {
    tenantId: tenant.id, organizationName: tenant.name, serverFingerprint: tenant.fingerprint,
    licenseTypeId: DEVELOPER_LICENSE_TYPE_ID, expiresAt: null,
  })
}

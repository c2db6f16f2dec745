import { DEVELOPER_LICENSE_TYPE_ID, parseFeatures, signLicense, verifyLicense, type LocalLicensePayload } from '@license-hub/core'
import { findLicenseType, insertLicense, type Db, type ServerLicense, type StoredLicense } from '@license-hub/db'
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
export function localPayload(row: StoredLicense): LocalLicensePayload {
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

export function verifyLocalLicense(row: StoredLicense, publicKeyPem: string): boolean {
  return row.signature !== null && verifyLicense(localPayload(row), row.signature, publicKeyPem)
}

/** Signs a license of the given type with the installation's private key and stores it. */
export async function issueLocalLicense(db: Db, privateKeyPem: string, input: IssueLocalLicense): Promise<ServerLicense> {
  const type = await findLicenseType(db, input.licenseTypeId)
  if (!type) throw new AppError('VALIDATION_ERROR', `licenseTypeId: no license type ${input.licenseTypeId}`)
  // Signed timestamps are whole milliseconds, as Postgres returns them.
  const issuedAt = new Date(Math.floor((input.issuedAt ?? new Date()).getTime()))
  if (input.expiresAt && input.expiresAt.getTime() <= issuedAt.getTime()) {
    throw new AppError('VALIDATION_ERROR', 'expires_at: must be after issued_at')
  }
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

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

/** An ISO date-time, or a date alone: its start for an issue date, the end of that day (UTC) for an expiry. */
export function parseLicenseDate(value: string, field: string, endOfDay: boolean): Date {
  const text = DATE_ONLY.test(value) ? `${value}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z` : value
  const date = new Date(text)
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new AppError('VALIDATION_ERROR', `${field}: expected an ISO 8601 date or date-time`)
  }
  return date
}

/**
 * The dates of a license an operator asks for. A license issued in the future would be refused
 * on load (it looks like a clock turned back) and one already expired could never apply, so both
 * are refused here, where the operator can still correct them.
 */
export function requestedLicenseDates(
  input: { issuedAt?: string; expiresAt?: string }, now: Date
): { issuedAt: Date; expiresAt: Date | null } {
  const issuedAt = input.issuedAt ? parseLicenseDate(input.issuedAt, 'issued_at', false) : now
  const expiresAt = input.expiresAt ? parseLicenseDate(input.expiresAt, 'expires_at', true) : null
  if (issuedAt.getTime() > now.getTime() + 60_000) throw new AppError('VALIDATION_ERROR', 'issued_at: must not be in the future')
  if (expiresAt && expiresAt.getTime() <= now.getTime()) throw new AppError('VALIDATION_ERROR', 'expires_at: must be in the future')
  if (expiresAt && expiresAt.getTime() <= issuedAt.getTime()) throw new AppError('VALIDATION_ERROR', 'expires_at: must be after issued_at')
  return { issuedAt, expiresAt }
}

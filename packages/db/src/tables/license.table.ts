import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

/** jsonb holding an object or, as older rows do, a JSON string of one. */
export type Json = ColumnType<unknown, string, string>

export interface LicenseTypeTable {
  id: number
  name: string
  maxUsers: number
  features: Json
  priceMonthly: ColumnType<string, string | number, string | number>
  source: Generated<'seed' | 'external'>
  updatedAt: Generated<Date>
}

export type LicenseSource = 'external' | 'local'

export interface ServerLicenseTable {
  id: Generated<string>
  source: LicenseSource
  externalId: string | null
  tenantId: string
  organizationName: string
  serverFingerprint: string
  status: string
  maxUsers: number
  webrtcMaxUsers: number
  webrtcAllocation: number | null
  licenseTypeId: number
  features: Json
  raw: Json | null
  signature: string | null
  issuedAt: ColumnType<Date, Date | string | undefined, Date | string>
  expiresAt: ColumnType<Date | null, Date | string | null, Date | string | null>
  lastSyncedAt: ColumnType<Date | null, Date | string | null, Date | string | null>
  withdrawnAt: ColumnType<Date | null, Date | string | null, Date | string | null>
  createdAt: Generated<Date>
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>
}

export type LicenseType = Selectable<LicenseTypeTable>
export type ServerLicense = Selectable<ServerLicenseTable>
/** A license as read to decide on it: everything but the server's raw answer, which nothing reads back. */
export type StoredLicense = Omit<ServerLicense, 'raw'>
export type NewServerLicense = Insertable<ServerLicenseTable>
export type ServerLicenseUpdate = Updateable<ServerLicenseTable>

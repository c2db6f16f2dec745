import type { InstallationTable, TenantTable } from './tables/tenant.table.js'
import type { UserTable } from './tables/user.table.js'
import type { LicenseTypeTable, ServerLicenseTable } from './tables/license.table.js'
import type { ClientSessionTable, EventTable } from './tables/session.table.js'

export interface Database {
  installation: InstallationTable
  tenants: TenantTable
  users: UserTable
  licenseTypes: LicenseTypeTable
  serverLicenses: ServerLicenseTable
  clientSessions: ClientSessionTable
  events: EventTable
}

export type * from './tables/tenant.table.js'
export type * from './tables/user.table.js'
export type * from './tables/license.table.js'
export type * from './tables/session.table.js'

import type { Generated, Selectable } from 'kysely'

export interface TenantTable {
  id: Generated<string>
  name: string
  fingerprint: string
  isDefault: Generated<boolean>
  createdAt: Generated<Date>
}

export type Tenant = Selectable<TenantTable>

export interface InstallationTable {
  id: Generated<number>
  fingerprint: string
  createdAt: Generated<Date>
}

import type { ColumnType, Generated, Selectable } from 'kysely'

export type EndReason = 'logout' | 'expired' | 'forced' | 'revoked' | 'allocation'

export interface ClientSessionTable {
  id: ColumnType<string, string | undefined, never>
  tenantId: string
  userId: string
  licenseId: string
  deviceId: string
  createdAt: ColumnType<Date, Date | string | undefined, never>
  lastSeenAt: ColumnType<Date, Date | string | undefined, Date | string>
  endedAt: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  endReason: EndReason | null
}

export type ClientSession = Selectable<ClientSessionTable>

export interface EventTable {
  id: Generated<string>
  tenantId: string
  type: string
  data: ColumnType<unknown, string, never>
  createdAt: Generated<Date>
}

export type StoredEvent = Selectable<EventTable>

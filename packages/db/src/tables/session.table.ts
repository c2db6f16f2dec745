import type { ColumnType, Generated, Selectable } from 'kysely'

import type { SessionEndReason } from '@license-hub/contract'

export interface ClientSessionTable {
  id: ColumnType<string, string | undefined, never>
  tenantId: string
  userId: string
  licenseId: string
  deviceId: string
  createdAt: ColumnType<Date, Date | string | undefined, never>
  lastSeenAt: ColumnType<Date, Date | string | undefined, Date | string>
  endedAt: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  endReason: SessionEndReason | null
}

export type ClientSession = Selectable<ClientSessionTable>

/** Every column of client_sessions, named, for prepared statements (see USER_COLUMNS). */
const sessionColumns: { [K in keyof ClientSessionTable]-?: K } = {
  id: 'id', tenantId: 'tenantId', userId: 'userId', licenseId: 'licenseId', deviceId: 'deviceId',
  createdAt: 'createdAt', lastSeenAt: 'lastSeenAt', endedAt: 'endedAt', endReason: 'endReason',
}
export const SESSION_COLUMNS = Object.values(sessionColumns)

export interface EventTable {
  id: Generated<string>
  tenantId: string
  type: string
  data: ColumnType<unknown, string, never>
  createdAt: Generated<Date>
}

export type StoredEvent = Selectable<EventTable>

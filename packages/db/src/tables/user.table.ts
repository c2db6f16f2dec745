import type { Generated, Insertable, Selectable } from 'kysely'

export type Role = 'admin' | 'user'

export interface UserTable {
  id: Generated<string>
  tenantId: string
  email: string
  passwordHash: string
  name: string
  role: Generated<Role>
  webrtcEnabled: Generated<boolean>
  /** Bumped by a password or role change: tokens of an older version are no longer honoured. */
  tokenVersion: Generated<number>
  createdAt: Generated<Date>
}

export type User = Selectable<UserTable>
export type NewUser = Insertable<UserTable>

/**
 * Every column of users, named: a prepared statement that selected `*` would fail on its
 * connection once a migration added a column ("cached plan must not change result type").
 */
const userColumns: { [K in keyof UserTable]-?: K } = {
  id: 'id', tenantId: 'tenantId', email: 'email', passwordHash: 'passwordHash', name: 'name', role: 'role',
  webrtcEnabled: 'webrtcEnabled', tokenVersion: 'tokenVersion', createdAt: 'createdAt',
}
export const USER_COLUMNS = Object.values(userColumns)

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

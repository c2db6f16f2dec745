import { sql } from 'kysely'
import type { Db } from '../connection.js'
import { runPrepared } from '../prepared.js'
import type { NewUser, Role, User } from '../schema.js'
import { USER_COLUMNS } from '../tables/user.table.js'

export async function insertUser(db: Db, user: NewUser): Promise<User> {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow()
}

/** Inserts many users in one statement (seeding, benchmarks); returns them in the given order. */
export async function insertUsers(db: Db, users: NewUser[]): Promise<User[]> {
  if (users.length === 0) return []
  const rows = await db.insertInto('users').values(users).returningAll().execute()
  const byEmail = new Map(rows.map((row) => [row.email, row]))
  return users.map((user) => byEmail.get(user.email)!)
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst()
}

/** Read at each create-session (prepared: see prepared.ts). */
export async function findUser(db: Db, tenantId: string, id: string): Promise<User | undefined> {
  const { rows } = await runPrepared(db, db.selectFrom('users').select(USER_COLUMNS).where('tenantId', '=', tenantId).where('id', '=', id))
  return rows[0]
}

export async function listUsers(db: Db, tenantId: string): Promise<User[]> {
  return db.selectFrom('users').selectAll().where('tenantId', '=', tenantId).orderBy('createdAt').orderBy('email').execute()
}

export async function setUserWebrtc(db: Db, tenantId: string, id: string, enabled: boolean): Promise<User | undefined> {
  return db.updateTable('users').set({ webrtcEnabled: enabled })
    .where('tenantId', '=', tenantId).where('id', '=', id).returningAll().executeTakeFirst()
}

export async function hasAdmin(db: Db, tenantId: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('tenantId', '=', tenantId).where('role', '=', 'admin').executeTakeFirst()
  return row !== undefined
}

/** A new password ends the user's older tokens (their version is bumped). */
export async function setUserPasswordHash(db: Db, tenantId: string, id: string, passwordHash: string): Promise<User | undefined> {
  return db.updateTable('users').set((eb) => ({ passwordHash, tokenVersion: eb('tokenVersion', '+', 1) }))
    .where('tenantId', '=', tenantId).where('id', '=', id).returningAll().executeTakeFirst()
}

/**
 * What a token is checked against on every request: the user's tenant, role and token version.
 * The ids go in as one array, so every batch is the same prepared statement.
 */
export async function findTokenSubjects(db: Db, ids: readonly string[]): Promise<Array<Pick<User, 'id' | 'tenantId' | 'role' | 'tokenVersion'>>> {
  if (ids.length === 0) return []
  const { rows } = await runPrepared(db, db.selectFrom('users').select(['id', 'tenantId', 'role', 'tokenVersion'])
    .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`))
  return rows
}

/** A role change ends the user's older tokens, which claim the old role. */
export async function setUserRole(db: Db, tenantId: string, id: string, role: Role): Promise<User | undefined> {
  return db.updateTable('users').set((eb) => ({ role, tokenVersion: eb('tokenVersion', '+', 1) }))
    .where('tenantId', '=', tenantId).where('id', '=', id).where('role', '!=', role).returningAll().executeTakeFirst()
    .then(async (changed) => changed ?? findUser(db, tenantId, id))
}

import { AppError } from '@license-hub/contract'
import { hashPassword, verifyAgainstDummy, verifyPassword } from '@license-hub/core'
import type { Logger } from '@license-hub/config'
import { findUserByEmail, insertUser, listUsers, setUserPasswordHash, setUserRole, type Db, type Role, type User } from '@license-hub/db'

/**
 * The user whose email and password match, else INVALID_CREDENTIALS. An unknown email still pays
 * for one password check, so it answers as slowly as a wrong password and reveals nothing.
 */
export async function verifyCredentials(db: Db, email: string, password: string): Promise<User> {
  const user = await findUserByEmail(db, email)
  const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password)
  if (!user || !ok) throw new AppError('INVALID_CREDENTIALS')
  return user
}

export interface NewAccount {
  tenantId: string
  email: string
  password: string
  name: string
  role?: Role
  webrtcEnabled?: boolean
}

const UNIQUE_VIOLATION = '23505'

/** Email is unique across the installation, compared case-insensitively, since login takes only an email. */
export async function createAccount(db: Db, input: NewAccount): Promise<User> {
  const email = input.email.trim()
  const conflict = () => new AppError('CONFLICT', `A user with email ${email} already exists`)
  if (await findUserByEmail(db, email)) throw conflict()
  try {
    return await insertUser(db, {
      tenantId: input.tenantId, email, name: input.name, role: input.role ?? 'user',
      webrtcEnabled: input.webrtcEnabled ?? true, passwordHash: await hashPassword(input.password),
    })
  } catch (err) {
    // Two creations racing past the check above meet at the unique index.
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw conflict()
    throw err
  }
}

/** A user as the API shows it: no password hash, dates as ISO strings. */
export function userView(user: User) {
  return {
    id: user.id, tenantId: user.tenantId, email: user.email, name: user.name, role: user.role,
    webrtcEnabled: user.webrtcEnabled, createdAt: user.createdAt.toISOString(),
  }
}

/** GET /api/users and `cli user list`: a tenant's users as the API shows them. */
export async function tenantUsers(db: Db, tenantId: string): Promise<Array<ReturnType<typeof userView>>> {
  return (await listUsers(db, tenantId)).map(userView)
}

/** Sets a user's password (stored as a hash, never logged). */
export async function changePassword(ctx: { db: Db; log: Logger }, tenantId: string, userId: string, password: string): Promise<User> {
  const user = await setUserPasswordHash(ctx.db, tenantId, userId, await hashPassword(password))
  if (!user) throw new AppError('NOT_FOUND', 'User not found')
  ctx.log.info({ tenantId, userId, code: 'PASSWORD_CHANGED' }, 'user password changed')
  return user
}

/** A new role; the user's older tokens, which claim the old one, stop being honoured. */
export async function changeRole(db: Db, tenantId: string, userId: string, role: Role): Promise<User> {
  const user = await setUserRole(db, tenantId, userId, role)
  if (!user) throw new AppError('NOT_FOUND', 'User not found')
  return user
}

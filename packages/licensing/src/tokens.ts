import { createSigner } from 'fast-jwt'

/**
 * A token as login issues it (HS256 with JWT_SECRET; the user id as both `id` and `userId`), with
 * its own lifetime (at most TOKEN_MAX_TTL_SEC, which the api enforces): for scripted admin tooling.
 * It carries the user's current `tokenVersion`, so a later password or role change ends it too.
 */
export function signAccessToken(
  jwtSecret: string, user: { id: string; tenantId: string; role: 'admin' | 'user'; tokenVersion: number }, ttlMs: number
): { token: string; expiresAt: string } {
  const sign = createSigner({ key: jwtSecret, algorithm: 'HS256', expiresIn: ttlMs })
  const token = sign({ id: user.id, userId: user.id, tenantId: user.tenantId, role: user.role, tokenVersion: user.tokenVersion })
  const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }
  return { token, expiresAt: new Date(exp * 1000).toISOString() }
}

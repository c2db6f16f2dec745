import { createSigner } from 'fast-jwt'

/**
 * A token as login issues it (HS256 with JWT_SECRET; the user id as both `id` and `userId`), with
 * its own lifetime: for scripted admin tooling.
 */
export function signAccessToken(
  jwtSecret: string, user: { id: string; tenantId: string; role: 'admin' | 'user' }, ttlMs: number,
): { token: string; expiresAt: string } {
  const sign = createSigner({ key: jwtSecret, algorithm: 'HS256', expiresIn: ttlMs })
  const token = sign({ id: user.id, userId: user.id, tenantId: user.tenantId, role: user.role })
  const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }
  return { token, expiresAt: new Date(exp * 1000).toISOString() }
}

import fp from 'fastify-plugin'
import fastifyJwt from '@fastify/jwt'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError, TOKEN_MAX_TTL_SEC } from '@license-hub/contract'
import { isUuid } from '@license-hub/core'
import { findTokenSubjects } from '@license-hub/db'
import { TokenSubjects } from './token-subjects.js'
import { bearerToken, VerifiedTokens } from './verified-tokens.js'

const JWT_REFUSALS: Record<string, string> = {
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: 'no token',
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: 'expired token',
}

export interface AuthUser {
  id: string
  tenantId: string
  role: 'admin' | 'user'
  /** The user's token version when the token was issued (0 for tokens without one). */
  tokenVersion?: number
  /** When the token expires (ms since the epoch, from its `exp`): a WebSocket is closed then. */
  tokenExpiresAt?: number
}

/** The user of a token whose signature and claims were checked: its expiry is always known. */
export type VerifiedUser = AuthUser & { tokenExpiresAt: number }

/** Claims as older and newer tokens carry them: the user id as `id` or `userId`. */
interface TokenClaims {
  id?: unknown
  userId?: unknown
  tenantId?: unknown
  role?: unknown
  exp?: unknown
  tokenVersion?: unknown
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { id: string; userId: string; tenantId: string; role: AuthUser['role']; tokenVersion?: number }
    user: AuthUser
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: a valid Bearer token whose user still holds it, else 401 UNAUTHORIZED. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** preHandler: a valid token with role admin, else 401 / 403 FORBIDDEN. */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** Verifies a raw token's signature and claims (WebSocket query or subprotocol); undefined when invalid. */
    verifyToken: (token: string) => AuthUser | undefined
    /** The token's user exists in its tenant with the role and token version the token claims. */
    tokenHonoured: (user: AuthUser) => Promise<boolean>
    /** Forget what this node cached of a user (its password, role or existence changed). */
    forgetTokenSubject: (userId: string) => void
    issueToken: (user: AuthUser) => string
  }
}

/** Clock skew tolerated between the node that signed a token and the one reading it. */
const SKEW_SEC = 60

/**
 * The claims a token must carry, checked for shape: UUID ids, a known role, an `exp` no further
 * than a token's lifetime away (a signed `exp: 1e20` is refused) and an optional integer version.
 */
export function toAuthUser(claims: TokenClaims, nowSec = Date.now() / 1000): VerifiedUser | undefined {
  const id = claims.id ?? claims.userId
  if (!isUuid(id) || !isUuid(claims.tenantId)) return undefined
  if (typeof claims.exp !== 'number' || claims.exp > nowSec + TOKEN_MAX_TTL_SEC + SKEW_SEC) return undefined
  if (claims.role !== 'admin' && claims.role !== 'user') return undefined
  const version = claims.tokenVersion ?? 0
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) return undefined
  return {
    id: id.toLowerCase(), tenantId: claims.tenantId.toLowerCase(), role: claims.role, tokenVersion: version,
    tokenExpiresAt: claims.exp * 1000,
  }
}

/** HS256 JWTs signed with JWT_SECRET; `alg: none` and other algorithms are refused. */
export default fp<{ secret: string }>(async (app, opts) => {
  await app.register(fastifyJwt, {
    secret: opts.secret,
    sign: { algorithm: 'HS256', expiresIn: TOKEN_MAX_TTL_SEC }, // @fastify/jwt reads a number as seconds
    verify: { algorithms: ['HS256'] },
  })
  const subjects = new TokenSubjects((ids) => findTokenSubjects(app.db, ids))
  app.addHook('onClose', async () => { subjects.stop() })
  // An extension sends the same token with every heartbeat: it is verified once per node.
  const verified = new VerifiedTokens()

  app.decorate('tokenHonoured', async (user: AuthUser) => {
    const subject = await subjects.get(user.id)
    return subject !== undefined && subject.tenantId === user.tenantId && subject.role === user.role
      && subject.tokenVersion === (user.tokenVersion ?? 0)
  })
  app.decorate('forgetTokenSubject', (userId: string) => subjects.forget(userId))

  // An authentication failure logs at warn with its reason (the seed's level), never the token.
  const refuse = (request: FastifyRequest, reason: string) => {
    request.log.warn({ reason, code: 'UNAUTHORIZED' }, 'authentication refused')
    return new AppError('UNAUTHORIZED')
  }
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const token = bearerToken(request.headers.authorization)
    let user = token === undefined ? undefined : verified.get(token)
    if (!user) {
      let claims: TokenClaims
      try {
        claims = await request.jwtVerify<TokenClaims>()
      } catch (err) {
        throw refuse(request, JWT_REFUSALS[(err as { code?: string }).code ?? ''] ?? 'invalid token')
      }
      user = toAuthUser(claims)
      if (!user) throw refuse(request, 'claims malformed')
      if (token) verified.set(token, user)
    }
    if (!(await app.tokenHonoured(user))) throw refuse(request, 'token no longer honoured (user, tenant, role or token version changed)')
    request.user = user
  })

  app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
    await app.authenticate(request, reply)
    if (request.user.role !== 'admin') throw new AppError('FORBIDDEN')
  })

  // A socket's token is verified once, at the upgrade: it is looked up here but not remembered (an
  // entry, and the URL its text was cut from, per idle socket), the heartbeats remember it.
  app.decorate('verifyToken', (token: string) => {
    const known = verified.get(token)
    if (known) return known
    try {
      return toAuthUser(app.jwt.verify<TokenClaims>(token))
    } catch {
      return undefined
    }
  })

  app.decorate('issueToken', (user: AuthUser) => app.jwt.sign({
    id: user.id, userId: user.id, tenantId: user.tenantId, role: user.role, tokenVersion: user.tokenVersion ?? 0,
  }))
}, { name: 'auth', dependencies: ['storage'] })

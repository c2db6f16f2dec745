import fp from 'fastify-plugin'
import fastifyJwt from '@fastify/jwt'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '@license-hub/contract'

export interface AuthUser {
  id: string
  tenantId: string
  role: 'admin' | 'user'
}

/** Claims as older and newer tokens carry them: the user id as `id` or `userId`. */
interface TokenClaims {
  id?: string
  userId?: string
  tenantId?: string
  role?: string
  exp?: number
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { id: string; userId: string; tenantId: string; role: AuthUser['role'] }
    user: AuthUser
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: a valid Bearer token, else 401 UNAUTHORIZED. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** preHandler: a valid token with role admin, else 401 / 403 FORBIDDEN. */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** Verifies a raw token (WebSocket query or subprotocol); undefined when invalid. */
    verifyToken: (token: string) => AuthUser | undefined
    issueToken: (user: AuthUser) => string
  }
}

export const TOKEN_TTL = '12h'
const TOKEN_CACHE_SIZE = 50_000
const TOKEN_CACHE_TTL_MS = 10 * 60_000

export function toAuthUser(claims: TokenClaims): AuthUser | undefined {
  const id = claims.id ?? claims.userId
  if (typeof id !== 'string' || typeof claims.tenantId !== 'string' || typeof claims.exp !== 'number') return undefined
  if (claims.role !== 'admin' && claims.role !== 'user') return undefined
  return { id, tenantId: claims.tenantId, role: claims.role }
}

/** HS256 JWTs signed with JWT_SECRET; `alg: none` and other algorithms are refused. */
export default fp<{ secret: string }>(async (app, opts) => {
  await app.register(fastifyJwt, {
    secret: opts.secret,
    sign: { algorithm: 'HS256', expiresIn: TOKEN_TTL },
    // Verified tokens are cached (fast-jwt's LRU, keyed by a hash of the token, never past `exp`):
    // an extension sends the same token with every heartbeat.
    verify: { algorithms: ['HS256'], cache: TOKEN_CACHE_SIZE, cacheTTL: TOKEN_CACHE_TTL_MS },
  })

  app.decorate('authenticate', async (request: FastifyRequest) => {
    let claims: TokenClaims
    try {
      claims = await request.jwtVerify<TokenClaims>()
    } catch {
      throw new AppError('UNAUTHORIZED')
    }
    const user = toAuthUser(claims)
    if (!user) throw new AppError('UNAUTHORIZED')
    request.user = user
  })

  app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
    await app.authenticate(request, reply)
    if (request.user.role !== 'admin') throw new AppError('FORBIDDEN')
  })

  app.decorate('verifyToken', (token: string) => {
    try {
      return toAuthUser(app.jwt.verify<TokenClaims>(token))
    } catch {
      return undefined
    }
  })

  app.decorate('issueToken', (user: AuthUser) => app.jwt.sign({ id: user.id, userId: user.id, tenantId: user.tenantId, role: user.role }))
}, { name: 'auth' })

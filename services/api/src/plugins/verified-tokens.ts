import type { VerifiedUser } from './auth.js'

const MAX_ENTRIES = 50_000

/**
 * The tokens this node has verified, by their exact text, with the user their claims name. An
 * extension sends the same token with every heartbeat; a hit here costs one Map lookup, where a
 * verify through @fastify/jwt (decode, hash of the token for fast-jwt's cache, then its checks)
 * was a tenth of a heartbeat's CPU. An entry never outlives the token's `exp`; the cache is
 * emptied when full, like TokenSubjects. Whether the user still holds the token is checked on
 * every request, outside this cache.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedUser>()

  constructor(private readonly now = () => Date.now()) {}

  get(token: string): VerifiedUser | undefined {
    const user = this.entries.get(token)
    if (!user) return undefined
    if (this.now() < user.tokenExpiresAt) return user
    this.entries.delete(token)
    return undefined
  }

  set(token: string, user: VerifiedUser): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear()
    this.entries.set(token, user)
  }
}

/** The token of an `Authorization: Bearer …` header, extracted exactly as @fastify/jwt does. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined
  const parts = header.split(' ')
  return parts.length === 2 && parts[1] ? parts[1] : undefined
}

export interface TokenSubject {
  tenantId: string
  role: 'admin' | 'user'
  tokenVersion: number
}

const TTL_MS = 5_000
/** While Postgres is away a known user keeps this long, so live seats keep their heartbeats. */
const STALE_MS = 5 * 60_000
const MAX_ENTRIES = 50_000

/**
 * What this node knows of the users behind the tokens it sees, kept for a few seconds so that a
 * token's check against the record costs no query per request. A change made on this node drops
 * the entry at once; other nodes see it within the TTL.
 */
export class TokenSubjects {
  private readonly entries = new Map<string, { subject: TokenSubject | undefined; at: number }>()

  constructor(private readonly load: (userId: string) => Promise<TokenSubject | undefined>, private readonly now = () => Date.now()) {}

  async get(userId: string): Promise<TokenSubject | undefined> {
    const cached = this.entries.get(userId)
    if (cached && this.now() - cached.at < TTL_MS) return cached.subject
    let found: TokenSubject | undefined
    try {
      found = await this.load(userId)
    } catch (err) {
      if (cached && this.now() - cached.at < STALE_MS) return cached.subject
      throw err
    }
    const subject = found && { tenantId: found.tenantId, role: found.role, tokenVersion: found.tokenVersion }
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear()
    this.entries.set(userId, { subject, at: this.now() })
    return subject
  }

  forget(userId: string): void {
    this.entries.delete(userId)
  }
}

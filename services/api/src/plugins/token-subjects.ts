export interface TokenSubject {
  tenantId: string
  role: 'admin' | 'user'
  tokenVersion: number
}

/** How old this node's copy of a user may be when a request is checked against it. */
export const FRESH_MS = 5_000
/** How often the copies of the users seen lately are read again, all in a few statements. */
const REFRESH_EVERY_MS = FRESH_MS / 2
/** A user not seen for this long is dropped at the next refresh (heartbeats come every 30 s). */
const IDLE_MS = 2 * 60_000
/** While Postgres is away a known user keeps this long, so live seats keep their heartbeats. */
const STALE_MS = 5 * 60_000
const MAX_ENTRIES = 50_000
const BATCH = 1_000

interface Entry {
  subject: TokenSubject | undefined
  /** When it was read from Postgres. */
  at: number
  /** When a request last asked for it. */
  usedAt: number
}

type Load = (userIds: readonly string[]) => Promise<Array<TokenSubject & { id: string }>>

/**
 * What this node knows of the users behind the tokens it sees, so that a token's check against the
 * record costs no query per request. Every REFRESH_EVERY_MS the users asked for lately are read again
 * in batches, so a copy a request relies on is at most FRESH_MS old: a password or role change made
 * anywhere (another node, the CLI, SQL) is honoured on every node within it. A change made on this
 * node drops the entry at once. Only a user this node has not seen lately costs a query of its own.
 */
export class TokenSubjects {
  private readonly entries = new Map<string, Entry>()
  private timer: NodeJS.Timeout | undefined
  private refreshing: Promise<void> | undefined

  constructor(private readonly load: Load, private readonly now = () => Date.now()) {}

  async get(userId: string): Promise<TokenSubject | undefined> {
    const now = this.now()
    const cached = this.entries.get(userId)
    if (cached && now - cached.at < FRESH_MS) {
      cached.usedAt = now
      return cached.subject
    }
    let found: Array<TokenSubject & { id: string }>
    try {
      found = await this.load([userId])
    } catch (err) {
      if (cached && now - cached.at < STALE_MS) return cached.subject
      throw err
    }
    if (!this.entries.has(userId) && this.entries.size >= MAX_ENTRIES) this.entries.clear()
    const subject = found[0] && subjectOf(found[0])
    this.entries.set(userId, { subject, at: now, usedAt: now })
    this.timer ??= setInterval(() => { void this.refresh() }, REFRESH_EVERY_MS).unref()
    return subject
  }

  forget(userId: string): void {
    this.entries.delete(userId)
  }

  /**
   * Reads every user asked for within IDLE_MS again and drops the others. A failed read changes
   * nothing (the copies age, and past FRESH_MS a request reads its user itself).
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.reread().finally(() => { this.refreshing = undefined })
    return this.refreshing
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private async reread(): Promise<void> {
    const now = this.now()
    const ids: string[] = []
    for (const [id, entry] of this.entries) {
      if (now - entry.usedAt > IDLE_MS) this.entries.delete(id)
      else ids.push(id)
    }
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH)
      let found: Array<TokenSubject & { id: string }>
      try {
        found = await this.load(batch)
      } catch {
        return
      }
      const byId = new Map(found.map((row) => [row.id, subjectOf(row)]))
      for (const id of batch) {
        const entry = this.entries.get(id)
        // Dropped meanwhile (forget) or read afresh by a request since: leave it.
        if (entry && entry.at < now) {
          entry.subject = byId.get(id)
          // As of when the read began: a change committed while it ran may be missing from it.
          entry.at = now
        }
      }
    }
  }
}

const subjectOf = (row: TokenSubject): TokenSubject => ({ tenantId: row.tenantId, role: row.role, tokenVersion: row.tokenVersion })

import { recordHeartbeats } from '@license-hub/db'
import type { LicensingContext } from '../context.js'

export interface LastSeenOptions {
  /** How often the buffer is written (SESSION_HEARTBEAT_SEC / 3 in the api). */
  flushEveryMs: number
  /** Sessions held at most; past it a heartbeat is written at once instead. */
  maxSessions: number
}

/**
 * Write-behind of `last_seen_at`: each heartbeat this node answered from Redis is kept here (the
 * latest per session) and written to Postgres in one statement every `flushEveryMs`, so a heartbeat
 * is durable within SESSION_HEARTBEAT_SEC / 3 and a Redis rebuilt from Postgres keeps exactly the
 * live seats. While Postgres is away the buffer keeps everything (nothing is lost, the next flush
 * writes it); it is bounded, and flushed when the node stops.
 */
export class LastSeenWriter {
  private pending = new Map<string, Date>()
  private writing: Map<string, Date> | undefined
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> | undefined
  private failingSince: number | undefined

  constructor(private readonly ctx: Pick<LicensingContext, 'db' | 'log'>, readonly options: LastSeenOptions) {}

  get size(): number {
    return this.pending.size + (this.writing?.size ?? 0)
  }

  /** Keeps a heartbeat for the next flush; false when the buffer is full (write it at once instead). */
  record(sessionId: string, at: Date): boolean {
    const held = this.pending.get(sessionId)
    if (held) {
      if (held < at) this.pending.set(sessionId, at)
      return true
    }
    if (this.size >= this.options.maxSessions && !this.writing?.has(sessionId)) return false
    this.pending.set(sessionId, at)
    return true
  }

  /** The latest heartbeat of a session that is not in Postgres yet. */
  latest(sessionId: string): Date | undefined {
    const a = this.pending.get(sessionId)
    const b = this.writing?.get(sessionId)
    return a && b ? (a > b ? a : b) : a ?? b
  }

  start(): void {
    this.timer ??= setInterval(() => { void this.flush() }, this.options.flushEveryMs)
    this.timer.unref()
  }

  /** Writes what is buffered in one statement; on failure keeps it for the next flush. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => { this.flushing = undefined })
    return this.flushing
  }

  /** Stops the timer and writes what is left (called when the node closes). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.flush()
    if (this.pending.size > 0) await this.flush()
    if (this.pending.size > 0) {
      this.ctx.log.error({ sessions: this.pending.size, code: 'LAST_SEEN_NOT_WRITTEN' }, 'heartbeats not written to Postgres at shutdown')
    }
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return
    const batch = this.pending
    this.pending = new Map()
    this.writing = batch
    try {
      await recordHeartbeats(this.ctx.db, [...batch].map(([id, at]) => ({ id, at })))
      if (this.failingSince !== undefined) {
        this.ctx.log.info({ downMs: Date.now() - this.failingSince, sessions: batch.size, code: 'LAST_SEEN_WRITTEN' }, 'buffered heartbeats written to Postgres again')
        this.failingSince = undefined
      }
    } catch (err) {
      // Postgres is away: keep every heartbeat (the newest per session) for the next flush.
      for (const [id, at] of batch) {
        const newer = this.pending.get(id)
        if (!newer || newer < at) this.pending.set(id, at)
      }
      if (this.failingSince === undefined) {
        this.failingSince = Date.now()
        this.ctx.log.warn({ err, sessions: this.pending.size, code: 'LAST_SEEN_DEFERRED' }, 'heartbeats not written to Postgres: kept for the next flush')
      }
    } finally {
      this.writing = undefined
    }
  }
}

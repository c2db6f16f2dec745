import { AppError } from '@license-hub/contract'
import { listLiveSessions } from '@license-hub/db'
import { countSeats, listSeats, rebuildSeats, seatKeys, type LiveSeat, type SeatKeys } from '@license-hub/redis'
import type { LicensingContext } from '../context.js'

export const leaseMs = (ctx: LicensingContext) => ctx.config.sessionLeaseSec * 1000

/** Sessions seen at or before this instant have lapsed. */
export const lapseCutoff = (ctx: LicensingContext, now: Date) => new Date(now.getTime() - leaseMs(ctx))

export const seatsOf = (ctx: LicensingContext, tenantId: string, licenseId: string): SeatKeys => seatKeys(ctx.keys, tenantId, licenseId)

/**
 * Reloads a license's seats from Postgres: live = not ended and seen within the lease. The script
 * does nothing if another node got there first.
 */
export async function rebuildFromPostgres(ctx: LicensingContext, tenantId: string, licenseId: string): Promise<void> {
  // This node's buffered heartbeats first: the rebuild must see every heartbeat it answered.
  await ctx.node?.lastSeen.flush()
  const now = ctx.now()
  const rows = await listLiveSessions(ctx.db, licenseId, lapseCutoff(ctx, now))
  const seats = rows.map((row) => ({
    sessionId: row.id, userId: row.userId, deviceId: row.deviceId, expiry: row.lastSeenAt.getTime() + leaseMs(ctx),
  }))
  const { rebuilt, activeSessions } = await rebuildSeats(ctx.redis, seatsOf(ctx, tenantId, licenseId), now.getTime(), seats)
  // Loading a license's first seats is routine; putting live seats back means Redis lost them.
  if (rebuilt) ctx.log[activeSessions > 0 ? 'warn' : 'info']({ tenantId, licenseId, activeSessions, code: 'SEATS_REBUILT' }, 'seats rebuilt from Postgres')
}

const ATTEMPTS = 3

/** Runs a seat script; when Redis has lost the license's seats, rebuilds them from Postgres and runs it again. */
export async function withSeats<T extends { status: string }>(
  ctx: LicensingContext, tenantId: string, licenseId: string, run: () => Promise<T>
): Promise<T> {
  try {
    for (let attempt = 1; ; attempt++) {
      const result = await run()
      if (result.status !== 'rebuild') return result
      // Only a Redis flushed again and again between two calls gets here.
      if (attempt === ATTEMPTS) throw new AppError('SERVICE_UNAVAILABLE')
      await rebuildFromPostgres(ctx, tenantId, licenseId)
    }
  } catch (err) {
    if (err instanceof AppError) throw err
    // Without Redis no seat can be granted or counted safely: a clear 503, never a guess.
    ctx.log.error({ err, tenantId, licenseId, code: 'SEATS_UNAVAILABLE' }, 'seats unavailable')
    throw new AppError('SERVICE_UNAVAILABLE')
  }
}

/** Live seat count of a license (lapsed seats dropped first); returns the lapsed ones for the caller to end. */
export async function countLive(
  ctx: LicensingContext, tenantId: string, licenseId: string
): Promise<{ activeSessions: number; lapsed: string[] }> {
  const keys = seatsOf(ctx, tenantId, licenseId)
  const result = await withSeats(ctx, tenantId, licenseId, async () => {
    const counted = await countSeats(ctx.redis, keys, ctx.now().getTime())
    return { ...counted, status: counted.loaded ? 'ok' : 'rebuild' }
  })
  return { activeSessions: result.activeSessions, lapsed: result.lapsed }
}

export async function liveSeats(
  ctx: LicensingContext, tenantId: string, licenseId: string
): Promise<{ seats: LiveSeat[]; lapsed: string[] }> {
  const { lapsed } = await countLive(ctx, tenantId, licenseId)
  return { seats: await listSeats(ctx.redis, seatsOf(ctx, tenantId, licenseId), ctx.now().getTime()), lapsed }
}

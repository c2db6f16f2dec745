import { AppError, ERRORS, type ErrorCode, type LicenseSummary } from '@license-hub/contract'
import { findSession, lockLiveSession, touchSession, type ClientSession, type Db, type EndReason } from '@license-hub/db'
import { heartbeatSeat, type HeartbeatResult } from '@license-hub/redis'
import type { LicensingContext } from '../context.js'
import { checkAccess, logRefused } from './access.js'
import { endAndRelease, finishLapsed } from './ending.js'
import { lapseCutoff, leaseMs, seatsOf, withSeats } from './store.js'

export type Validation =
  | { valid: true; expiresAt: string; license: LicenseSummary; activeSessions: number; webrtcMaxUsers: number }
  | { valid: false; code: ErrorCode; message: string }

const invalid = (code: ErrorCode, message: string = ERRORS[code].message): Validation => ({ valid: false, code, message })

// Why a seat ends when its license or user stops passing the checks.
const END_REASON: Partial<Record<ErrorCode, EndReason>> = { LICENSE_EXPIRED: 'expired', NO_ALLOCATION: 'allocation' }

const SEATED = new Set(['extended', 'moved', 'restored'])

/**
 * validate-session, the extension's heartbeat: extends the lease of a live seat and records it in
 * Postgres, never applying the seat limit. A seat Redis lost (flush, restart, a license change)
 * is put back when Postgres holds the session live; everything else answers valid: false.
 */
export async function validateSession(ctx: LicensingContext, caller: { id: string; tenantId: string }, sessionId: string): Promise<Validation> {
  const { tenantId, id: userId } = caller
  const session = await findSession(ctx.db, tenantId, sessionId)
  const notFound = () => {
    ctx.log.info({ tenantId, userId, sessionId, code: 'SESSION_NOT_FOUND' }, 'session validation: not found or expired')
    return invalid('SESSION_NOT_FOUND')
  }
  if (!session || session.userId !== userId || session.endedAt) return notFound()
  if (session.lastSeenAt.getTime() <= lapseCutoff(ctx, ctx.now()).getTime()) {
    await endAndRelease(ctx, [session], 'expired', { notify: false })
    return notFound()
  }

  let license: LicenseSummary
  try {
    license = (await checkAccess(ctx, tenantId, userId)).license
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    logRefused(ctx, tenantId, userId, err, 'session validation')
    // The device hears it in this answer; the end is recorded without a session_ended to it.
    await endAndRelease(ctx, [session], END_REASON[err.code] ?? 'revoked', { notify: false })
    return invalid(err.code, err.message)
  }

  const now = ctx.now()
  const expiry = now.getTime() + leaseMs(ctx)
  const beat = (db: Db, restore: boolean) => withSeats(ctx, tenantId, license.id, () => heartbeatSeat(ctx.redis,
    seatsOf(ctx, tenantId, license.id), seatsOf(ctx, tenantId, session.licenseId),
    { now: now.getTime(), expiry, sessionId, userId, deviceId: session.deviceId, restore }))
    .then(async (result) => {
      // Durable within the heartbeat: a Redis rebuilt from Postgres keeps exactly this seat.
      const recorded = SEATED.has(result.status) && await touchSession(db, sessionId, now, license.id)
      return { result, recorded }
    })

  let { result, recorded } = await beat(ctx.db, false)
  if (result.status === 'missing') {
    // Under the session's row lock, so that putting the seat back cannot race with its end.
    ({ result, recorded } = await ctx.db.transaction().execute(async (trx) => {
      const live = await lockLiveSession(trx, sessionId, lapseCutoff(ctx, now))
      return live ? beat(trx, true) : { result: { ...result, lapsed: [] } as HeartbeatResult, recorded: false }
    }))
  }
  await finishLapsed(ctx, result.lapsed)

  if (!recorded) return seatLost(ctx, session, result, notFound)
  ctx.log.info({ tenantId, userId, sessionId, seat: result.status, activeSessions: result.activeSessions, code: 'OK' }, 'session validated')
  return { valid: true, expiresAt: new Date(expiry).toISOString(), license, activeSessions: result.activeSessions, webrtcMaxUsers: license.webrtcMaxUsers }
}

/** The seat is gone: record why in Postgres (if nobody has) and free whatever is left of it. */
async function seatLost(ctx: LicensingContext, session: ClientSession, result: HeartbeatResult, notFound: () => Validation): Promise<Validation> {
  const reason: EndReason = result.status === 'taken' ? 'forced' : 'expired'
  await endAndRelease(ctx, [session], reason, { notify: false })
  return notFound()
}

import { AppError, ERRORS, type ErrorCode, type LicenseSummary, type SessionEndReason } from '@license-hub/contract'
import { findSession, lockLiveSession, touchSession, type ClientSession, type Db } from '@license-hub/db'
import { heartbeatSeat, type HeartbeatResult } from '@license-hub/redis'
import type { LicensingContext } from '../context.js'
import { assertWebrtcAccess, resolveLicense } from '../license-resolution.js'
import { checkAccess, logRefused } from './access.js'
import { endAndRelease, finishLapsed } from './ending.js'
import { lapseCutoff, leaseMs, seatsOf, withSeats } from './store.js'

export type Validation =
  | { valid: true; expiresAt: string; license: LicenseSummary; activeSessions: number; webrtcMaxUsers: number }
  | { valid: false; code: ErrorCode; message: string }

const invalid = (code: ErrorCode, message: string = ERRORS[code].message): Validation => ({ valid: false, code, message })

// Why a seat ends when its license or user stops passing the checks.
const END_REASON: Partial<Record<ErrorCode, SessionEndReason>> = { LICENSE_EXPIRED: 'expired', NO_ALLOCATION: 'allocation' }

const SEATED = new Set(['extended', 'moved', 'restored'])

/**
 * validate-session, the extension's heartbeat: extends the lease of a live seat, never applying
 * the seat limit. On an api node a live seat of the license in force is answered from Redis alone
 * (one script) and its `last_seen_at` is written behind; everything else (a seat Redis lost, a
 * license or access that stopped passing the checks, a session ended elsewhere) takes the full
 * path through Postgres, which ends what must end and puts back what Postgres holds live.
 */
export async function validateSession(
  ctx: LicensingContext, caller: { id: string; tenantId: string }, sessionId: string
): Promise<Validation> {
  return (ctx.node && await heartbeatFromRedis(ctx, caller, sessionId)) || validateFromPostgres(ctx, caller, sessionId)
}

const logValid = (ctx: LicensingContext, tenantId: string, userId: string, sessionId: string, result: HeartbeatResult) => {
  // A valid heartbeat logs at debug: at the default level its fields are not even gathered.
  if (ctx.log.isLevelEnabled('debug')) ctx.log.debug({ tenantId, userId, sessionId, seat: result.status, activeSessions: result.activeSessions, code: 'OK' }, 'session validated')
}

function notFound(ctx: LicensingContext, tenantId: string, userId: string, sessionId: string): Validation {
  ctx.log.info({ tenantId, userId, sessionId, code: 'SESSION_NOT_FOUND' }, 'session validation: not found or expired')
  return invalid('SESSION_NOT_FOUND')
}

/**
 * The hot path: the license in force from this node's memory, then one Redis script that checks
 * the seat is the caller's and extends its lease. Undefined when the full path must answer.
 * Every way a seat stops being valid (end, force, revoke, an access switched off, a lowered
 * allocation ending seats, a lapse) removes it from Redis first, so a seat found here is live.
 */
async function heartbeatFromRedis(
  ctx: LicensingContext, caller: { id: string; tenantId: string }, sessionId: string
): Promise<Validation | undefined> {
  const { tenantId, id: userId } = caller
  const node = ctx.node!
  let license: LicenseSummary
  const now = ctx.now()
  try {
    license = (await resolveLicense(ctx, tenantId)).summary
    // The user's own switch is the seat itself: switching it off frees the seat.
    assertWebrtcAccess(license, { webrtcEnabled: true }, now)
  } catch (err) {
    if (err instanceof AppError) return undefined
    throw err
  }
  const expiry = now.getTime() + leaseMs(ctx)
  const keys = seatsOf(ctx, tenantId, license.id)
  const result = await withSeats(ctx, tenantId, license.id, () => heartbeatSeat(ctx.redis, keys, keys,
    { now: now.getTime(), expiry, sessionId, userId, deviceId: '', restore: false }))
  if (result.lapsed.length > 0) {
    finishLapsed(ctx, result.lapsed).catch((err: unknown) => ctx.log.warn({ err, tenantId, code: 'LAPSED_NOT_RECORDED' }, 'lapsed seats not recorded yet: the session cleanup will'))
  }
  if (result.status === 'foreign') return notFound(ctx, tenantId, userId, sessionId)
  if (result.status !== 'extended') return undefined
  // A full buffer writes this heartbeat at once instead; an ended session then takes the full path.
  if (!node.lastSeen.record(sessionId, now) && !await touchSession(ctx.db, sessionId, now)) return undefined
  logValid(ctx, tenantId, userId, sessionId, result)
  return {
    valid: true, expiresAt: new Date(expiry).toISOString(), license,
    activeSessions: result.activeSessions, webrtcMaxUsers: license.webrtcMaxUsers,
  }
}

/**
 * The full path: the session and user from Postgres, every check, then the script; records the
 * heartbeat in Postgres at once. A seat Redis lost (flush, restart, a license change) is put back
 * when Postgres holds the session live; everything else answers valid: false.
 */
async function validateFromPostgres(
  ctx: LicensingContext, caller: { id: string; tenantId: string }, sessionId: string
): Promise<Validation> {
  const { tenantId, id: userId } = caller
  // This node's buffered heartbeats first, so Postgres' account of what is live is current.
  await ctx.node?.lastSeen.flush()
  const session = await findSession(ctx.db, tenantId, sessionId)
  if (!session || session.userId !== userId || session.endedAt) return notFound(ctx, tenantId, userId, sessionId)
  const buffered = ctx.node?.lastSeen.latest(sessionId)
  const lastSeen = Math.max(session.lastSeenAt.getTime(), buffered?.getTime() ?? 0)
  if (lastSeen <= lapseCutoff(ctx, ctx.now()).getTime()) {
    await endAndRelease(ctx, [session], 'expired')
    return notFound(ctx, tenantId, userId, sessionId)
  }

  let license: LicenseSummary
  try {
    license = (await checkAccess(ctx, tenantId, userId)).license
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    logRefused(ctx, tenantId, userId, err, 'session validation')
    // The device hears it in this answer; its other connections (the popup, a second window) by session_ended.
    await endAndRelease(ctx, [session], END_REASON[err.code] ?? 'revoked')
    return invalid(err.code, err.message)
  }

  const now = ctx.now()
  const expiry = now.getTime() + leaseMs(ctx)
  const beat = (db: Db, restore: boolean) => withSeats(ctx, tenantId, license.id, () => heartbeatSeat(ctx.redis,
    seatsOf(ctx, tenantId, license.id), seatsOf(ctx, tenantId, session.licenseId),
    { now: now.getTime(), expiry, sessionId, userId, deviceId: session.deviceId, restore }))
    .then(async (result) => {
      // Durable at once: a Redis rebuilt from Postgres keeps exactly this seat.
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

  if (!recorded) return seatLost(ctx, session, result)
  logValid(ctx, tenantId, userId, sessionId, result)
  return {
    valid: true, expiresAt: new Date(expiry).toISOString(), license,
    activeSessions: result.activeSessions, webrtcMaxUsers: license.webrtcMaxUsers,
  }
}

/** The seat is gone: record why in Postgres (if nobody has) and free whatever is left of it. */
async function seatLost(ctx: LicensingContext, session: ClientSession, result: HeartbeatResult): Promise<Validation> {
  const reason: SessionEndReason = result.status === 'taken' ? 'forced' : 'expired'
  await endAndRelease(ctx, [session], reason)
  return notFound(ctx, session.tenantId, session.userId, session.id)
}

import { randomUUID } from 'node:crypto'
import { AppError, userLimitMessage } from '@license-hub/contract'
import { endSessions, findSession, insertSession, touchSession } from '@license-hub/db'
import { admitSeat, releaseSeats } from '@license-hub/redis'
import type { LicensingContext } from '../context.js'
import { checkAccess, logRefused } from './access.js'
import { endAndRelease, finishLapsed } from './ending.js'
import { leaseMs, seatsOf, withSeats } from './store.js'
import { noticeAdmission, noticeRefusal } from './usage.js'

export interface SessionGrant {
  /** true for a new seat (201), false when the device got its existing seat back (200). */
  created: boolean
  sessionId: string
  expiresAt: string
  heartbeatIntervalSec: number
  activeSessions: number
  webrtcMaxUsers: number
}

export interface AdmissionRequest {
  deviceId: string
  force?: boolean
}

/**
 * create-session. The license, feature and allocation checks run first; the seat itself is one
 * Lua call, atomic across every api node: lapsed seats dropped, the same device given its seat
 * back, another device refused (or, with force, moved), the allocation enforced. Postgres records
 * the outcome afterwards, and refuses it (the seat is freed again) when the user's access was
 * switched off meanwhile: a switch-off never misses a session created while it ran.
 */
export async function createSession(
  ctx: LicensingContext, caller: { id: string; tenantId: string }, request: AdmissionRequest
): Promise<SessionGrant> {
  const { tenantId, id: userId } = caller
  let access
  try {
    access = await checkAccess(ctx, tenantId, userId)
  } catch (err) {
    logRefused(ctx, tenantId, userId, err, 'session')
    throw err
  }
  const { license } = access
  const keys = seatsOf(ctx, tenantId, license.id)

  for (let attempt = 1; ; attempt++) {
    const now = ctx.now()
    const expiry = now.getTime() + leaseMs(ctx)
    const result = await withSeats(ctx, tenantId, license.id, () => admitSeat(ctx.redis, keys, {
      now: now.getTime(), expiry, limit: license.webrtcMaxUsers, userId, deviceId: request.deviceId,
      sessionId: randomUUID(), force: request.force === true,
    }))
    await finishLapsed(ctx, result.lapsed)
    const grant = (sessionId: string, created: boolean): SessionGrant => ({
      created, sessionId, expiresAt: new Date(expiry).toISOString(), heartbeatIntervalSec: ctx.config.sessionHeartbeatSec,
      activeSessions: result.activeSessions, webrtcMaxUsers: license.webrtcMaxUsers,
    })

    switch (result.status) {
      case 'full': {
        const err = new AppError('USER_LIMIT_REACHED', userLimitMessage(license.webrtcMaxUsers))
        logRefused(ctx, tenantId, userId, err, 'session')
        await noticeRefusal(ctx, tenantId, license.id, result.activeSessions, license.webrtcMaxUsers)
        throw err
      }
      case 'concurrent': {
        const err = new AppError('CONCURRENT_SESSION')
        logRefused(ctx, tenantId, userId, err, 'session')
        throw err
      }
      case 'existing': {
        const sessionId = result.sessionId!
        if (await touchSession(ctx.db, sessionId, now)) {
          ctx.log.info({ tenantId, userId, sessionId, code: 'SESSION_RESUMED' }, 'session resumed on the same device')
          return grant(sessionId, false)
        }
        // Postgres ended it (a logout racing this call): free the seat and admit afresh, once.
        await releaseSeats(ctx.redis, keys, leaseMs(ctx), [sessionId])
        if (attempt >= 2) throw new AppError('SERVICE_UNAVAILABLE')
        continue
      }
      case 'admitted':
      case 'forced': {
        const sessionId = result.sessionId!
        const abandon = () => releaseSeats(ctx.redis, keys, leaseMs(ctx), [sessionId]).catch((release: unknown) =>
          ctx.log.warn({ err: release, tenantId, sessionId }, 'seat of a session not stored not released: it lapses with its lease'))
        const session = { id: sessionId, tenantId, userId, licenseId: license.id, deviceId: request.deviceId, at: now }
        const stored = await insertSession(ctx.db, session).catch(async (err: unknown) => {
          await abandon()
          throw err
        })
        if (!stored) {
          // The user's access was switched off between the check above and the row (Postgres has the last word).
          await abandon()
          const err = new AppError('USER_NOT_ALLOCATED')
          logRefused(ctx, tenantId, userId, err, 'session')
          throw err
        }
        ctx.log.info({ tenantId, userId, sessionId, licenseId: license.id, code: 'SESSION_CREATED', forced: result.status === 'forced' }, 'session created')
        if (result.status === 'forced') {
          const old = await findSession(ctx.db, tenantId, result.otherSessionId!)
          // The script already moved the seat; endAndRelease records the end and tells the old device.
          if (old) await endAndRelease(ctx, [old], 'forced')
          else await endSessions(ctx.db, [result.otherSessionId!], 'forced', now)
        } else {
          await noticeAdmission(ctx, tenantId, result.activeSessions, license.webrtcMaxUsers)
        }
        return grant(sessionId, true)
      }
      default:
        throw new Error(`unexpected admission status ${result.status}`)
    }
  }
}

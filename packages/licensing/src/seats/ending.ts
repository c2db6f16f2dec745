import { AppError, type SessionEndReason } from '@license-hub/contract'
import { groupBy, isUuid, sessionEndedEvent } from '@license-hub/core'
import { endCallerSession, endSessions, expireLapsedSessions, expireSessions, findSession, listOpenUserSessions, type ClientSession } from '@license-hub/db'
import { releaseSeats } from '@license-hub/redis'
import type { LicensingContext } from '../context.js'
import { publishEvents } from '../events.js'
import { lapseCutoff, leaseMs, seatsOf } from './store.js'

function logEnded(ctx: LicensingContext, session: ClientSession, reason: SessionEndReason): void {
  ctx.log.info({ tenantId: session.tenantId, userId: session.userId, sessionId: session.id, licenseId: session.licenseId, reason, code: 'SESSION_ENDED' }, 'session ended')
}

/**
 * Logs, and tells the users of, the sessions this call ended (racing calls never end one twice).
 * Every reason but logout is told to the user's connections. A tenant's events go in one
 * statement: a cleanup after an office lost its network ends hundreds of its seats at once.
 */
async function reportEnded(ctx: LicensingContext, ended: ClientSession[], reason: SessionEndReason): Promise<void> {
  for (const session of ended) logEnded(ctx, session, reason)
  if (reason === 'logout') return
  for (const [tenantId, sessions] of groupBy(ended, (s) => s.tenantId)) {
    await publishEvents(ctx, tenantId, sessions.map((s) => ({ event: sessionEndedEvent(s.id, reason), userId: s.userId })))
  }
}

async function release(ctx: LicensingContext, sessions: Pick<ClientSession, 'id' | 'tenantId' | 'licenseId'>[]): Promise<void> {
  for (const [licenseId, ofLicense] of groupBy(sessions, (s) => s.licenseId)) {
    await releaseSeats(ctx.redis, seatsOf(ctx, ofLicense[0]!.tenantId, licenseId), leaseMs(ctx), ofLicense.map((s) => s.id))
  }
}

/** Frees the seats of sessions this call ended, then logs and tells (the record is already in Postgres). */
async function releaseEnded(ctx: LicensingContext, ended: ClientSession[], reason: SessionEndReason): Promise<void> {
  await release(ctx, ended)
  await reportEnded(ctx, ended, reason)
}

/**
 * Ends sessions in Postgres first (the record), then frees their seats. Only the call that ended a
 * session logs and notifies, so racing calls tell a user once. Every reason but logout is told to
 * the user's connections, also when the device itself learns it from a heartbeat's answer: its
 * other connections (the popup, a second window) would never hear it otherwise.
 */
export async function endAndRelease(ctx: LicensingContext, sessions: ClientSession[], reason: SessionEndReason): Promise<ClientSession[]> {
  if (sessions.length === 0) return []
  const ended = await endSessions(ctx.db, sessions.map((s) => s.id), reason, ctx.now())
  await release(ctx, sessions)
  await reportEnded(ctx, ended, reason)
  return ended
}

/** Ends in Postgres the seats a script dropped because their lease ran out. */
export async function finishLapsed(ctx: LicensingContext, sessionIds: string[]): Promise<void> {
  if (sessionIds.length === 0) return
  const now = ctx.now()
  await reportEnded(ctx, await expireSessions(ctx.db, sessionIds, lapseCutoff(ctx, now), now), 'expired')
}

/**
 * end-session: the session's own user (logout) or an admin of its tenant (revoked); ending twice
 * is fine. One statement ends it; only when it ended nothing is the session read, to tell an
 * ended one (200) from one that is unknown or not the caller's (404).
 */
export async function endSession(
  ctx: LicensingContext, caller: { id: string; tenantId: string; role: string }, sessionId: string
): Promise<void> {
  const ended = await endCallerSession(ctx.db, caller.tenantId, sessionId, { userId: caller.id, admin: caller.role === 'admin' }, ctx.now())
  if (ended) {
    await releaseEnded(ctx, [ended], ended.endReason!)
    return
  }
  const session = await findSession(ctx.db, caller.tenantId, sessionId)
  if (!session || (session.userId !== caller.id && caller.role !== 'admin')) throw new AppError('SESSION_NOT_FOUND')
}

/** Ends every open session of a user (an admin disabled their WebRTC access), telling their device. */
export async function endUserSessions(ctx: LicensingContext, tenantId: string, userId: string, reason: SessionEndReason): Promise<number> {
  const open = await listOpenUserSessions(ctx.db, tenantId, userId)
  return (await endAndRelease(ctx, open, reason)).length
}

const LAPSED_BATCH = 500

/**
 * The worker's session cleanup: ends, as expired, every session of every tenant that missed its
 * heartbeats for the lease (also those Redis no longer knows), frees their seats and tells each
 * user. Safe on several workers at once: each session is ended by exactly one of them.
 */
export async function endLapsedSessions(ctx: LicensingContext): Promise<number> {
  let total = 0
  for (;;) {
    const now = ctx.now()
    const ended = await expireLapsedSessions(ctx.db, lapseCutoff(ctx, now), now, LAPSED_BATCH)
    await releaseEnded(ctx, ended, 'expired')
    total += ended.length
    if (ended.length < LAPSED_BATCH) return total
  }
}

/** An operator ends a session of a tenant (reason revoked, its device told); false when it had already ended. */
export async function revokeSession(ctx: LicensingContext, tenantId: string, sessionId: string): Promise<boolean> {
  const session = isUuid(sessionId) ? await findSession(ctx.db, tenantId, sessionId) : undefined
  if (!session) throw new AppError('SESSION_NOT_FOUND')
  if (session.endedAt) return false
  return (await endAndRelease(ctx, [session], 'revoked')).length > 0
}

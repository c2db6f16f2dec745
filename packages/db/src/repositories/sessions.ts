import { sql } from 'kysely'
import type { Db } from '../connection.js'
import { runPrepared } from '../prepared.js'
import type { SessionEndReason } from '@license-hub/contract'
import type { ClientSession } from '../schema.js'
import { SESSION_COLUMNS } from '../tables/session.table.js'

export interface NewSession {
  id: string
  tenantId: string
  userId: string
  licenseId: string
  deviceId: string
  at: Date
}

/**
 * Records a new session if its user still has WebRTC access; false (nothing written) when the
 * user's access is off or the user is gone. The user's row is share-locked for the statement, so
 * an access switch-off racing with it either waits for this row (and then finds the session to end)
 * or commits first (and this inserts nothing).
 */
export async function insertSession(db: Db, session: NewSession): Promise<boolean> {
  const { id, tenantId, userId, licenseId, deviceId, at } = session
  const { rows } = await runPrepared(db, sql<{ id: string }>`
    insert into client_sessions (id, tenant_id, user_id, license_id, device_id, created_at, last_seen_at)
    select ${id}::uuid, u.tenant_id, u.id, ${licenseId}::uuid, ${deviceId}, ${at}::timestamptz, ${at}::timestamptz
    from users as u where u.tenant_id = ${tenantId} and u.id = ${userId} and u.webrtc_enabled
    for share
    returning id`.compile(db))
  return rows.length > 0
}

export async function findSession(db: Db, tenantId: string, id: string): Promise<ClientSession | undefined> {
  const { rows } = await runPrepared(db, db.selectFrom('clientSessions').select(SESSION_COLUMNS).where('tenantId', '=', tenantId).where('id', '=', id))
  return rows[0]
}

/** Records a heartbeat (and the license the seat now counts on); false when the session has ended. */
export async function touchSession(db: Db, id: string, lastSeenAt: Date, licenseId?: string): Promise<boolean> {
  const { rows } = await runPrepared(db, db.updateTable('clientSessions').set({ lastSeenAt, ...(licenseId ? { licenseId } : {}) })
    .where('id', '=', id).where('endedAt', 'is', null).returning('id'))
  return rows.length > 0
}

/**
 * Writes a node's buffered heartbeats in one statement: each session's `last_seen_at` moves
 * forward to its latest heartbeat, unless the session has ended (or another node already wrote a
 * later one). Returns the sessions written.
 */
export async function recordHeartbeats(db: Db, beats: { id: string; at: Date }[]): Promise<string[]> {
  if (beats.length === 0) return []
  const ids = beats.map((b) => b.id)
  const ats = beats.map((b) => b.at.toISOString())
  const { rows } = await sql<{ id: string }>`
    update client_sessions as s set last_seen_at = v.at
    from (select unnest(${ids}::uuid[]) as id, unnest(${ats}::timestamptz[]) as at) as v
    where s.id = v.id and s.ended_at is null and s.last_seen_at < v.at
    returning s.id`.execute(db)
  return rows.map((row) => row.id)
}

/**
 * Locks a session that is live by Postgres' account (not ended, seen within the lease), so that a
 * seat put back in Redis cannot race with its end. Call inside a transaction.
 */
export async function lockLiveSession(db: Db, id: string, seenAfter: Date): Promise<ClientSession | undefined> {
  return db.selectFrom('clientSessions').selectAll().where('id', '=', id).where('endedAt', 'is', null)
    .where('lastSeenAt', '>', seenAfter).forUpdate().executeTakeFirst()
}

/** Ends the given sessions that are still open; returns those this call ended (none twice, however many callers race). */
export async function endSessions(db: Db, ids: string[], reason: SessionEndReason, endedAt: Date): Promise<ClientSession[]> {
  if (ids.length === 0) return []
  return db.updateTable('clientSessions').set({ endedAt, endReason: reason })
    .where('id', 'in', ids).where('endedAt', 'is', null).returningAll().execute()
}

/**
 * end-session in one statement: ends an open session of the tenant that is the caller's own
 * (reason logout) or, for an admin, anyone's (revoked when it is another user's). Undefined when
 * nothing was ended: the session is unknown, not the caller's to end, or already ended (the caller
 * tells these apart with findSession, off the common path).
 */
export async function endCallerSession(
  db: Db, tenantId: string, id: string, caller: { userId: string; admin: boolean }, endedAt: Date
): Promise<ClientSession | undefined> {
  const endReason = caller.admin
    ? sql<SessionEndReason>`case when user_id = ${caller.userId} then 'logout' else 'revoked' end`
    : 'logout' as const
  let query = db.updateTable('clientSessions').set({ endedAt, endReason })
    .where('tenantId', '=', tenantId).where('id', '=', id).where('endedAt', 'is', null)
  if (!caller.admin) query = query.where('userId', '=', caller.userId)
  const { rows } = await runPrepared(db, query.returning(SESSION_COLUMNS))
  return rows[0]
}

/** Ends, as expired, those of the given sessions not seen since `seenBefore` (a heartbeat after it keeps one open). */
export async function expireSessions(db: Db, ids: string[], seenBefore: Date, endedAt: Date): Promise<ClientSession[]> {
  if (ids.length === 0) return []
  return db.updateTable('clientSessions').set({ endedAt, endReason: 'expired' })
    .where('id', 'in', ids).where('endedAt', 'is', null).where('lastSeenAt', '<=', seenBefore).returningAll().execute()
}

/**
 * Ends, as expired, up to `limit` open sessions of any tenant not seen since `seenBefore`. Rows
 * another caller is ending are skipped, so several workers may run this at once.
 */
export async function expireLapsedSessions(db: Db, seenBefore: Date, endedAt: Date, limit: number): Promise<ClientSession[]> {
  return db.updateTable('clientSessions').set({ endedAt, endReason: 'expired' })
    .where('id', 'in', (eb) => eb.selectFrom('clientSessions').select('id').where('endedAt', 'is', null)
      .where('lastSeenAt', '<=', seenBefore).orderBy('lastSeenAt').limit(limit).forUpdate().skipLocked())
    .where('endedAt', 'is', null).returningAll().execute()
}

/** A license's sessions that are live by Postgres' account, oldest first: what a lost Redis is rebuilt from. */
export async function listLiveSessions(db: Db, licenseId: string, seenAfter: Date): Promise<ClientSession[]> {
  return db.selectFrom('clientSessions').selectAll().where('licenseId', '=', licenseId).where('endedAt', 'is', null)
    .where('lastSeenAt', '>', seenAfter).orderBy('createdAt').orderBy('id').execute()
}

/** A user's open sessions, whichever license they count on. */
export async function listOpenUserSessions(db: Db, tenantId: string, userId: string): Promise<ClientSession[]> {
  return db.selectFrom('clientSessions').selectAll().where('tenantId', '=', tenantId).where('userId', '=', userId)
    .where('endedAt', 'is', null).execute()
}

export interface SessionWithEmail extends ClientSession {
  email: string
}

export async function listSessionsWithEmail(db: Db, tenantId: string, ids: string[]): Promise<SessionWithEmail[]> {
  if (ids.length === 0) return []
  return db.selectFrom('clientSessions').innerJoin('users', 'users.id', 'clientSessions.userId')
    .selectAll('clientSessions').select('users.email')
    .where('clientSessions.tenantId', '=', tenantId).where('clientSessions.id', 'in', ids)
    .orderBy('clientSessions.createdAt').execute()
}

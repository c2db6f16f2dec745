import { AppError, type ActiveSession, type AllocationResult, type LicenseUser, type SessionCount } from '@license-hub/contract'
import { usagePercent } from '@license-hub/core'
import { findLicense, findUser, listSessionsWithEmail, listUsers, setUserWebrtc, updateLicense, type ServerLicense, type User } from '@license-hub/db'
import type { LicensingContext } from '../context.js'
import { allocationInForce, resolveLicense } from '../license-resolution.js'
import { withLicenseChangeEvents } from '../license-changes.js'
import { endUserSessions, finishLapsed } from './ending.js'
import { countLive, liveSeats } from './store.js'
import { noticeAllocation } from './usage.js'

/** session-count: the live seats of the tenant's license in force. */
export async function sessionCount(ctx: LicensingContext, tenantId: string): Promise<SessionCount> {
  const { summary } = await resolveLicense(ctx, tenantId)
  const { activeSessions, lapsed } = await countLive(ctx, tenantId, summary.id)
  await finishLapsed(ctx, lapsed)
  const max = summary.webrtcMaxUsers
  const available = Math.max(0, max - activeSessions)
  return { activeSessions, webrtcMaxUsers: max, available, usagePercent: usagePercent(activeSessions, max) }
}

/** active-sessions (admin): the seats that count against the license in force, oldest first. */
export async function listActiveSessions(ctx: LicensingContext, tenantId: string): Promise<ActiveSession[]> {
  const { summary } = await resolveLicense(ctx, tenantId)
  const { seats, lapsed } = await liveSeats(ctx, tenantId, summary.id)
  await finishLapsed(ctx, lapsed)
  const rows = await listSessionsWithEmail(ctx.db, tenantId, seats.map((s) => s.sessionId))
  return rows.filter((row) => row.endedAt === null).map((row) => ({
    sessionId: row.id, userId: row.userId, email: row.email, deviceId: row.deviceId,
    createdAt: row.createdAt.toISOString(), lastSeenAt: row.lastSeenAt.toISOString(),
  }))
}

/** A license of the caller's tenant; another tenant's is answered as if it did not exist. */
export async function tenantLicense(ctx: LicensingContext, tenantId: string, licenseId: string): Promise<ServerLicense> {
  const license = await findLicense(ctx.db, tenantId, licenseId)
  if (!license) throw new AppError('NOT_FOUND', 'License not found')
  return license
}

export async function licenseSeats(ctx: LicensingContext, tenantId: string, licenseId: string): Promise<AllocationResult> {
  const license = await tenantLicense(ctx, tenantId, licenseId)
  const { activeSessions, lapsed } = await countLive(ctx, tenantId, license.id)
  await finishLapsed(ctx, lapsed)
  return {
    licenseId: license.id, maxUsers: license.maxUsers, webrtcAllocation: license.webrtcAllocation,
    webrtcMaxUsers: allocationInForce(license), activeSessions,
  }
}

/**
 * The admin's WebRTC allocation (0 ≤ n ≤ max_users); the allocation in force is the smaller of it
 * and the license server's. Lowering it below the live count keeps the live seats, refuses new
 * ones and reports usage_limit_exceeded.
 */
export async function setAllocation(
  ctx: LicensingContext, tenantId: string, licenseId: string, webrtcMaxUsers: number
): Promise<AllocationResult> {
  const license = await tenantLicense(ctx, tenantId, licenseId)
  if (webrtcMaxUsers > license.maxUsers) {
    throw new AppError('VALIDATION_ERROR', `body.webrtcMaxUsers must be at most the license's max_users (${license.maxUsers})`)
  }
  const update = () => updateLicense(ctx.db, tenantId, licenseId, { webrtcAllocation: webrtcMaxUsers })
  const updated = (await withLicenseChangeEvents(ctx, tenantId, update))!
  const seats = await licenseSeats(ctx, tenantId, updated.id)
  ctx.log.info({ tenantId, licenseId, webrtcAllocation: webrtcMaxUsers, webrtcMaxUsers: seats.webrtcMaxUsers, code: 'ALLOCATION_SET' }, 'WebRTC allocation set')
  await noticeAllocation(ctx, tenantId, seats.activeSessions, seats.webrtcMaxUsers)
  return seats
}

const toLicenseUser = (user: User, online: Set<string>): LicenseUser => ({
  id: user.id, email: user.email, name: user.name, role: user.role, webrtcEnabled: user.webrtcEnabled, online: online.has(user.id),
})

async function onlineUsers(ctx: LicensingContext, tenantId: string, licenseId: string): Promise<Set<string>> {
  const { seats, lapsed } = await liveSeats(ctx, tenantId, licenseId)
  await finishLapsed(ctx, lapsed)
  return new Set(seats.map((s) => s.userId))
}

export async function licenseUsers(ctx: LicensingContext, tenantId: string, licenseId: string): Promise<LicenseUser[]> {
  const license = await tenantLicense(ctx, tenantId, licenseId)
  const [users, online] = await Promise.all([listUsers(ctx.db, tenantId), onlineUsers(ctx, tenantId, license.id)])
  return users.map((user) => toLicenseUser(user, online))
}

/** Turns a user's WebRTC access on or off; off ends their live session (revoked, told to their device). */
export async function setUserWebrtcAccess(
  ctx: LicensingContext, tenantId: string, licenseId: string, userId: string, enabled: boolean
): Promise<LicenseUser> {
  const license = await tenantLicense(ctx, tenantId, licenseId)
  if (!await findUser(ctx.db, tenantId, userId)) throw new AppError('NOT_FOUND', 'User not found')
  const user = (await setUserWebrtc(ctx.db, tenantId, userId, enabled))!
  ctx.log.info({ tenantId, userId, webrtcEnabled: enabled, code: enabled ? 'USER_WEBRTC_ENABLED' : 'USER_WEBRTC_DISABLED' }, 'user WebRTC access set')
  if (!enabled) await endUserSessions(ctx, tenantId, userId, 'revoked')
  return toLicenseUser(user, await onlineUsers(ctx, tenantId, license.id))
}

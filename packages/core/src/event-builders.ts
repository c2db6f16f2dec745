import type { LicenseEvent, SessionEndReason } from '@license-hub/contract'

export const USAGE_WARNING_RATIO = 0.8
export const LICENSE_EXPIRING_DAYS = 30

const DAY_MS = 86_400_000

// With no seats allocated, any demand is the whole allocation.
export function usagePercent(activeSessions: number, webrtcMaxUsers: number): number {
  if (webrtcMaxUsers <= 0) return activeSessions > 0 ? 100 : 0
  return Math.round((activeSessions / webrtcMaxUsers) * 100)
}

export function usageEvent(
  kind: 'usage_limit_warning' | 'usage_limit_exceeded',
  activeSessions: number,
  webrtcMaxUsers: number
): LicenseEvent<'usage_limit_warning' | 'usage_limit_exceeded'> {
  const percent = usagePercent(activeSessions, webrtcMaxUsers)
  const usage = { activeSessions, webrtcMaxUsers, usagePercent: percent }
  if (kind === 'usage_limit_exceeded') {
    return { type: kind, data: { ...usage, severity: 'error', message: `Maximum user limit reached (${webrtcMaxUsers} users)` } }
  }
  const message = `WebRTC Extension usage is at ${percent}% (${activeSessions} of ${webrtcMaxUsers} users)`
  return { type: kind, data: { ...usage, severity: 'warning', message } }
}

/**
 * The one license_expired event. `expiredAt` is the license's expiry date when that has passed,
 * else now (a license expired by its status, with a later, missing or unreadable date).
 */
export function expiredEvent(expiresAt: string | null, now: Date): LicenseEvent<'license_expired'> {
  const date = expiresAt === null ? NaN : Date.parse(expiresAt)
  const expiredAt = new Date(Number.isNaN(date) ? now.getTime() : Math.min(date, now.getTime()))
  return { type: 'license_expired', data: { expiredAt: expiredAt.toISOString(), severity: 'error', message: 'Your license has expired' } }
}

export function expiringEvent(expiresAt: Date, now: Date): LicenseEvent<'license_expiring'> {
  const daysLeft = Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS))
  const when = daysLeft === 0 ? 'today' : `in ${daysLeft} ${daysLeft === 1 ? 'day' : 'days'}`
  const data = { expiresAt: expiresAt.toISOString(), daysLeft, severity: 'warning' as const, message: `Your license expires ${when}` }
  return { type: 'license_expiring', data }
}

const SESSION_ENDED = {
  forced: ['warning', 'You were signed out because your account signed in on another device'],
  revoked: ['warning', 'Your WebRTC Extension access has been disabled by an administrator'],
  expired: ['info', 'Your session has expired'],
  allocation: ['warning', 'Your session ended because the WebRTC Extension allocation was reduced'],
  logout: ['info', 'You have been signed out'],
} as const

export function sessionEndedEvent(sessionId: string, reason: SessionEndReason): LicenseEvent<'session_ended'> {
  const [severity, message] = SESSION_ENDED[reason]
  return { type: 'session_ended', data: { sessionId, reason, severity, message } }
}

// Above the allocation only happens when it was lowered under live seats; admission never lets it.
export function usageLevel(activeSessions: number, webrtcMaxUsers: number): 'ok' | 'usage_limit_warning' | 'usage_limit_exceeded' {
  if (activeSessions > webrtcMaxUsers) return 'usage_limit_exceeded'
  if (webrtcMaxUsers > 0 && activeSessions / webrtcMaxUsers >= USAGE_WARNING_RATIO) return 'usage_limit_warning'
  return 'ok'
}

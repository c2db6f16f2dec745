export const LICENSE_EVENT_TYPES = [
  'license_expiring',
  'license_expired',
  'usage_limit_warning',
  'usage_limit_exceeded',
  'module_activated',
  'module_deactivated',
  'license_updated',
  'session_ended',
] as const

export type LicenseEventType = (typeof LICENSE_EVENT_TYPES)[number]

export type Severity = 'info' | 'warning' | 'error'

export const SESSION_END_REASONS = ['forced', 'revoked', 'expired', 'allocation', 'logout'] as const

export type SessionEndReason = (typeof SESSION_END_REASONS)[number]

export interface UsageData {
  activeSessions: number
  webrtcMaxUsers: number
  usagePercent: number
}

export interface LicenseEventData {
  license_expiring: { expiresAt: string; daysLeft: number }
  license_expired: { expiredAt: string }
  usage_limit_warning: UsageData
  usage_limit_exceeded: UsageData
  module_activated: { module: string }
  module_deactivated: { module: string }
  license_updated: { changes: string[] }
  session_ended: { sessionId: string; reason: SessionEndReason }
}

export type LicenseEvent<T extends LicenseEventType = LicenseEventType> = {
  [K in T]: { type: K; data: LicenseEventData[K] & { severity: Severity; message: string } }
}[T]

export function isLicenseEventType(value: unknown): value is LicenseEventType {
  return (LICENSE_EVENT_TYPES as readonly unknown[]).includes(value)
}

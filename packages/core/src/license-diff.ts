import type { Features } from './features.js'
import type { LicenseEvent } from '@license-hub/contract'
import { expiredEvent } from './event-builders.js'

export interface LicenseSnapshot {
  status: string
  expiresAt: string | null
  maxUsers: number
  webrtcMaxUsers: number
  licenseTypeId: number
  organizationName: string
  features: Features
}

export type LicenseDiffEvent = LicenseEvent<'license_expired' | 'license_updated' | 'module_activated' | 'module_deactivated'>

const FIELDS = ['status', 'expiresAt', 'maxUsers', 'webrtcMaxUsers', 'licenseTypeId', 'organizationName'] as const

export function diffLicense(before: LicenseSnapshot | null, after: LicenseSnapshot, now: Date): LicenseDiffEvent[] {
  const events: LicenseDiffEvent[] = []
  const expired = isExpired(after, now) && !(before && isExpired(before, now))
  if (expired) {
    events.push(expiredEvent(after.expiresAt, now))
  }
  // The expiry event already tells the client about the status and date that expired the license.
  const changes = FIELDS.filter((field) => !before || !sameField(field, before, after)).filter(
    (field) => !(expired && (field === 'status' || field === 'expiresAt'))
  )
  if (changes.length > 0) events.push(updatedEvent(before, after, changes))
  const modules = [...new Set([...Object.keys(before?.features ?? {}), ...Object.keys(after.features)])].sort()
  for (const module of modules) {
    const was = before?.features[module] === true
    const is = after.features[module] === true
    if (!was && is) events.push({ type: 'module_activated', data: { module, severity: 'info', message: `Module ${module} has been activated` } })
    if (was && !is) events.push({ type: 'module_deactivated', data: { module, severity: 'warning', message: `Module ${module} has been deactivated` } })
  }
  return events
}

export function isExpired(license: Pick<LicenseSnapshot, 'status' | 'expiresAt'>, now: Date): boolean {
  return license.status === 'expired' || expiryTime(license.expiresAt) <= now.getTime()
}

// A missing or unreadable date never expires a license.
function expiryTime(expiresAt: string | null): number {
  const time = expiresAt === null ? NaN : Date.parse(expiresAt)
  return Number.isNaN(time) ? Infinity : time
}

// Dates compare by instant, since the external server and Postgres format the same instant differently.
function sameField(field: (typeof FIELDS)[number], a: LicenseSnapshot, b: LicenseSnapshot): boolean {
  if (field !== 'expiresAt' || a.expiresAt === null || b.expiresAt === null) return a[field] === b[field]
  const [timeA, timeB] = [Date.parse(a.expiresAt), Date.parse(b.expiresAt)]
  return Number.isNaN(timeA) || Number.isNaN(timeB) ? a.expiresAt === b.expiresAt : timeA === timeB
}

function updatedEvent(before: LicenseSnapshot | null, after: LicenseSnapshot, changes: string[]): LicenseDiffEvent {
  const inactive = changes.includes('status') && after.status !== 'active'
  const shrunk = before !== null && (after.maxUsers < before.maxUsers || after.webrtcMaxUsers < before.webrtcMaxUsers)
  const message = inactive ? 'Your license is not active' : 'Your license has been updated'
  return { type: 'license_updated', data: { changes, severity: inactive || shrunk ? 'warning' : 'info', message } }
}

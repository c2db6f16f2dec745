import t from 'tap'
import { Value } from 'typebox/value'
import { LICENSE_EVENT_TYPES, LicenseEventDataSchemas, isLicenseEventType, type LicenseEvent } from '@license-hub/contract'
import {
  USAGE_WARNING_RATIO, diffLicense, expiredEvent, expiringEvent, sessionEndedEvent, usageEvent, usageLevel, usagePercent,
} from '../src/index.js'

t.test('the event names are the contract\'s', async (t) => {
  t.same([...LICENSE_EVENT_TYPES].sort(), [
    'license_expired', 'license_expiring', 'license_updated', 'module_activated', 'module_deactivated', 'session_ended',
    'usage_limit_exceeded', 'usage_limit_warning',
  ])
  t.ok(isLicenseEventType('session_ended'))
  t.notOk(isLicenseEventType('resync'))
})

t.test('usage events carry the counts, a rounded percent and a toast', async (t) => {
  t.same(usageEvent('usage_limit_warning', 2, 3), {
    type: 'usage_limit_warning',
    data: { activeSessions: 2, webrtcMaxUsers: 3, usagePercent: 67, severity: 'warning', message: 'WebRTC Extension usage is at 67% (2 of 3 users)' },
  })
  t.same(usageEvent('usage_limit_exceeded', 5, 5).data, {
    activeSessions: 5, webrtcMaxUsers: 5, usagePercent: 100, severity: 'error', message: 'Maximum user limit reached (5 users)',
  })
  t.equal(usagePercent(0, 0), 0)
  t.equal(usagePercent(1, 0), 100)
})

t.test('usage warns from 80% of the allocation and exceeds only above it', async (t) => {
  t.equal(USAGE_WARNING_RATIO, 0.8)
  t.same([0, 3, 4, 5, 6].map((active) => usageLevel(active, 5)), ['ok', 'ok', 'usage_limit_warning', 'usage_limit_warning', 'usage_limit_exceeded'])
  t.equal(usageLevel(0, 0), 'ok')
  t.equal(usageLevel(1, 0), 'usage_limit_exceeded')
})

t.test('expiring events count whole days left, rounding up', async (t) => {
  const now = new Date('2025-06-01T12:00:00.000Z')
  t.same(expiringEvent(new Date('2025-06-04T00:00:00.000Z'), now), {
    type: 'license_expiring',
    data: { expiresAt: '2025-06-04T00:00:00.000Z', daysLeft: 3, severity: 'warning', message: 'Your license expires in 3 days' },
  })
  t.equal(expiringEvent(new Date('2025-06-02T12:00:00.000Z'), now).data.message, 'Your license expires in 1 day')
  t.equal(expiringEvent(now, now).data.message, 'Your license expires today')
})

t.test('session_ended explains each reason', async (t) => {
  const forced = sessionEndedEvent('s-1', 'forced')
  t.same(forced.data.sessionId, 's-1')
  t.equal(forced.data.severity, 'warning')
  t.match(forced.data.message, /another device/)
  t.equal(sessionEndedEvent('s-1', 'logout').data.severity, 'info')
  const messages = (['forced', 'revoked', 'expired', 'allocation', 'logout'] as const).map((r) => sessionEndedEvent('s', r).data.message)
  t.equal(new Set(messages).size, 5)
})

t.test('license_expired is dated by the license, or now when that has not passed or cannot be read', async (t) => {
  const now = new Date('2025-06-01T12:00:00.000Z')
  t.same(expiredEvent('2025-05-01T00:00:00.000Z', now), {
    type: 'license_expired', data: { expiredAt: '2025-05-01T00:00:00.000Z', severity: 'error', message: 'Your license has expired' },
  })
  t.equal(expiredEvent('2025-07-01T00:00:00.000Z', now).data.expiredAt, now.toISOString())
  t.equal(expiredEvent(null, now).data.expiredAt, now.toISOString())
  t.equal(expiredEvent('not a date', now).data.expiredAt, now.toISOString())
})

t.test('every event core builds has the data the contract defines for its type', async (t) => {
  const now = new Date('2025-06-01T12:00:00.000Z')
  const snapshot = {
    status: 'active', expiresAt: '2026-01-01T00:00:00.000Z', maxUsers: 5, webrtcMaxUsers: 5, licenseTypeId: 2,
    organizationName: 'Acme', features: { calls: true, sms: false },
  }
  const events: LicenseEvent[] = [
    usageEvent('usage_limit_warning', 4, 5), usageEvent('usage_limit_exceeded', 6, 5), expiringEvent(new Date('2025-06-10T00:00:00.000Z'), now),
    expiredEvent(null, now), sessionEndedEvent('8e4b3c52-4a4e-4c3c-9c1c-0c8f2d1f6d11', 'allocation'),
    ...diffLicense(snapshot, { ...snapshot, status: 'expired', maxUsers: 3, features: { calls: false, sms: true } }, now),
  ]
  t.same(new Set(events.map((e) => e.type)), new Set(LICENSE_EVENT_TYPES))
  for (const event of events) t.ok(Value.Check(LicenseEventDataSchemas[event.type], event.data), event.type)
})

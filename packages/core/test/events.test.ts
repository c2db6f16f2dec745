import t from 'tap'
import {
  LICENSE_EVENT_TYPES, USAGE_WARNING_RATIO, expiringEvent, isLicenseEventType, sessionEndedEvent, usageEvent, usageLevel, usagePercent,
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

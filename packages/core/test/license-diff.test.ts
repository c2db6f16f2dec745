import t from 'tap'
import { diffLicense, isExpired, type LicenseSnapshot } from '../src/index.js'

const now = new Date('2025-06-01T12:00:00.000Z')
const license: LicenseSnapshot = {
  status: 'active',
  expiresAt: '2026-01-01T00:00:00.000Z',
  maxUsers: 5,
  webrtcMaxUsers: 5,
  licenseTypeId: 2,
  organizationName: 'Acme',
  features: { calls: true, sms: true, webrtc_extension: true },
}

t.test('no change publishes nothing', async (t) => {
  t.same(diffLicense(license, structuredClone(license), now), [])
  t.same(diffLicense(license, { ...license, expiresAt: '2026-01-01T00:00:00Z' }, now), [], 'same instant, other format')
})

t.test('a flag switched off yields exactly one module_deactivated', async (t) => {
  const events = diffLicense(license, { ...license, features: { ...license.features, sms: false } }, now)
  t.same(events, [{ type: 'module_deactivated', data: { module: 'sms', severity: 'warning', message: 'Module sms has been deactivated' } }])
})

t.test('each flag turned on or removed is its own event', async (t) => {
  const events = diffLicense(license, { ...license, features: { calls: true, webrtc_extension: true, whatsapp: true, video: 'yes' as unknown as boolean } }, now)
  t.same(events.map((e) => [e.type, 'module' in e.data && e.data.module]), [['module_deactivated', 'sms'], ['module_activated', 'whatsapp']])
  t.equal(events[1]?.data.message, 'Module whatsapp has been activated')
  t.equal(events[1]?.data.severity, 'info')
})

t.test('other field changes are one license_updated naming them', async (t) => {
  const events = diffLicense(license, { ...license, webrtcMaxUsers: 3, organizationName: 'Acme Ltd', expiresAt: '2027-01-01T00:00:00.000Z' }, now)
  t.same(events, [{ type: 'license_updated', data: { changes: ['expiresAt', 'webrtcMaxUsers', 'organizationName'], severity: 'warning', message: 'Your license has been updated' } }])
  t.equal(diffLicense(license, { ...license, licenseTypeId: 3, maxUsers: 25 }, now)[0]?.data.severity, 'info')
  const suspended = diffLicense(license, { ...license, status: 'suspended' }, now)
  t.same(suspended.map((e) => e.data), [{ changes: ['status'], severity: 'warning', message: 'Your license is not active' }])
})

t.test('a license becoming expired publishes license_expired once, without repeating it as an update', async (t) => {
  const byStatus = diffLicense(license, { ...license, status: 'expired' }, now)
  t.same(byStatus, [{ type: 'license_expired', data: { expiredAt: now.toISOString(), severity: 'error', message: 'Your license has expired' } }])
  const byDate = diffLicense(license, { ...license, expiresAt: '2025-05-01T00:00:00Z', maxUsers: 2 }, now)
  t.same(byDate.map((e) => e.type), ['license_expired', 'license_updated'])
  t.same(byDate[0]?.data, { expiredAt: '2025-05-01T00:00:00.000Z', severity: 'error', message: 'Your license has expired' })
  t.same(byDate[1]?.data, { changes: ['maxUsers'], severity: 'warning', message: 'Your license has been updated' })
  const stillExpired = { ...license, status: 'expired' }
  t.same(diffLicense(stillExpired, { ...stillExpired, expiresAt: '2025-05-01T00:00:00Z' }, now).map((e) => e.type), ['license_updated'])
})

t.test('a renewed license is an update, not an expiry', async (t) => {
  const expired = { ...license, status: 'expired', expiresAt: '2025-05-01T00:00:00.000Z' }
  t.same(diffLicense(expired, license, now).map((e) => e.data), [{ changes: ['status', 'expiresAt'], severity: 'info', message: 'Your license has been updated' }])
})

t.test('a new license activates its modules and names every field', async (t) => {
  const events = diffLicense(null, license, now)
  t.same(events.map((e) => e.type), ['license_updated', 'module_activated', 'module_activated', 'module_activated'])
  t.same(events[0]?.data, { changes: ['status', 'expiresAt', 'maxUsers', 'webrtcMaxUsers', 'licenseTypeId', 'organizationName'], severity: 'info', message: 'Your license has been updated' })
  t.same(diffLicense(null, { ...license, status: 'expired', features: {} }, now).map((e) => e.type), ['license_expired', 'license_updated'])
})

t.test('isExpired reads the status and the date, and ignores an unreadable date', async (t) => {
  t.equal(isExpired({ status: 'active', expiresAt: null }, now), false)
  t.equal(isExpired({ status: 'active', expiresAt: 'soon' }, now), false)
  t.equal(isExpired({ status: 'active', expiresAt: now.toISOString() }, now), true)
  t.equal(isExpired({ status: 'expired', expiresAt: null }, now), true)
})

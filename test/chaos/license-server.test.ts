import t from 'tap'
import { createLicenseServerClient } from '@license-hub/license-server'
import { syncExternalLicenses } from '@license-hub/licensing'
import { buildTestApp } from '../helpers/app.js'
import { createTestUser } from '../helpers/users.js'
import { heartbeatTraffic, printReport, type Seat } from './traffic.js'
import { fakeLicense, type FakeLicense, startFakeLicenseServer } from '@license-hub/test-support'

t.test('the license server down, hanging, answering garbage or the wrong schema: the license in force and every seat hold', async (t) => {
  const testApp = await buildTestApp(t)
  const { app, defaults } = testApp
  const fake = await startFakeLicenseServer(t)
  fake.licenses = [fakeLicense(defaults.fingerprint)]
  const client = createLicenseServerClient({ url: fake.url, apiKey: 'internal-key-123', connectTimeoutMs: 300, responseTimeoutMs: 500, retries: 1, retryDelayMs: 10 })
  t.teardown(() => client.close())
  t.equal((await syncExternalLicenses(app.licensing, client)).status, 'synced')

  const seats: Seat[] = []
  for (let i = 0; i < 6; i++) {
    const { headers } = await createTestUser(testApp)
    const res = await app.inject({ method: 'POST', url: '/api/licenses/create-session', headers, payload: { deviceId: `device-${i}` } })
    t.equal(res.statusCode, 201)
    seats.push({ sessionId: res.json().sessionId, headers })
  }
  const inForce = (await app.inject({ method: 'GET', url: '/api/licenses/current', headers: seats[0]!.headers })).json()
  t.equal(inForce.source, 'external')

  const faults: Array<[string, () => void]> = [
    ['license server answering 500', () => { fake.mode = 'error' }],
    ['license server hanging', () => { fake.mode = 'hang' }],
    ['license server answering garbage', () => { fake.mode = 'garbage' }],
    ['license server answering the wrong schema', () => {
      fake.mode = 'ok'
      fake.licenses = [{ ...fakeLicense(defaults.fingerprint), id: 'not-a-number', status: 42, max_users: 'many', license_type: null } as unknown as FakeLicense]
    }],
  ]
  for (const [fault, inject] of faults) {
    const traffic = heartbeatTraffic(app, seats)
    inject()
    const outcome = await syncExternalLicenses(app.licensing, client)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const report = await traffic.stop()
    const current = (await app.inject({ method: 'GET', url: '/api/licenses/current', headers: seats[0]!.headers })).json()
    const lost = seats.filter((s) => report.lastValid.get(s.sessionId) !== true).length
    const { requests, unavailable, errors5xx, slow } = report
    printReport({ fault, requests, unavailable, errors5xx, slow, lostSessions: lost, overAdmissions: 0 })
    t.not(outcome.status, 'synced', `${fault}: the sync says it failed`)
    t.equal(current.id, inForce.id, `${fault}: the synced license stays in force (grace)`)
    t.equal(report.errors5xx + report.unavailable, 0, `${fault}: no 5xx`)
    t.equal(lost, 0, `${fault}: every seat still live`)
  }

  await fake.close()
  const traffic = heartbeatTraffic(app, seats)
  const down = await syncExternalLicenses(app.licensing, client)
  const report = await traffic.stop()
  printReport({ fault: 'license server down (connection refused)', requests: report.requests, unavailable: report.unavailable, errors5xx: report.errors5xx, slow: report.slow, lostSessions: seats.filter((s) => report.lastValid.get(s.sessionId) !== true).length, overAdmissions: 0 })
  t.equal(down.status, 'failed')
  t.equal((await app.inject({ method: 'GET', url: '/api/licenses/current', headers: seats[0]!.headers })).json().id, inForce.id)
  t.equal(report.errors5xx, 0)
})

/** The admin sync route and the worker together: the api asks, the worker syncs, the route answers with its outcome. */
import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { createTestUser } from './helpers/users.js'
import { completed, startTestWorker } from '../services/worker/test/helpers/worker.js'
import { fakeLicense, startFakeLicenseServer, waitFor } from '@license-hub/test-support'

type Teardown = { teardown: (fn: () => unknown) => void }

async function setup(t: Teardown, mode: 'ok' | 'error' = 'ok') {
  const fake = await startFakeLicenseServer(t)
  fake.mode = mode
  const env = { LICENSE_MGMT_API_URL: fake.url, LICENSE_MGMT_API_KEY: 'api-key-789' }
  const testApp = await buildTestApp(t, { env })
  const license = fakeLicense(testApp.defaults.fingerprint)
  fake.licenses = [license]
  const worker = await startTestWorker(t, { databaseUrl: testApp.databaseUrl, redisPrefix: testApp.redisPrefix, env })
  // The worker's first (scheduled) sync runs at start; let it finish so the answers below are ours.
  await waitFor(() => worker.log.lines.some((l) => l.queue === 'sync' && (l.msg === 'job completed' || l.msg === 'job failed')), 10_000, 'the first sync')
  const admin = await createTestUser(testApp, { role: 'admin' })
  const sync = () => testApp.app.inject({ method: 'POST', url: '/api/licenses/sync', headers: admin.headers })
  return { fake, testApp, license, worker, admin, sync }
}

t.test('POST /api/licenses/sync runs a sync and answers its outcome', async (t) => {
  const { testApp, license, worker, admin, sync } = await setup(t)
  license.organization_name = 'Acme Renamed'
  const res = await sync()
  t.equal(res.statusCode, 200)
  t.match(res.json(), { source: 'external', licensesSynced: 1, changed: 1, status: 'synced', durationMs: Number })
  t.match(completed(worker, 'sync').at(-1), { reason: 'manual' }, 'the worker ran it')

  const current = await testApp.app.inject({ method: 'GET', url: '/api/licenses/current', headers: admin.headers })
  t.match(current.json(), { source: 'external', organizationName: 'Acme Renamed' })

  t.match((await sync()).json(), { licensesSynced: 1, changed: 0 }, 'nothing new: no change')
})

t.test('an unreachable server answers 502 and says which license stays in force', async (t) => {
  const { fake, sync } = await setup(t, 'error')
  let res = await sync()
  t.equal(res.statusCode, 502)
  t.match(res.json(), { statusCode: 502, code: 'BAD_GATEWAY', error: 'Bad Gateway', message: /could not be reached \(GET \/licenses: answered 500\); the local license is in force/ })

  fake.mode = 'ok'
  t.equal((await sync()).statusCode, 200)
  fake.mode = 'hang'
  res = await sync()
  t.equal(res.statusCode, 502)
  t.match(res.json().message, /timed out.*the last synced license stays in force/)
})

t.test('a 404 from the server: 200 with the local license in force', async (t) => {
  const { fake, sync } = await setup(t)
  fake.mode = 'not-found'
  const res = await sync()
  t.equal(res.statusCode, 200)
  t.match(res.json(), { source: 'local', licensesSynced: 0, changed: 1, status: 'no-license' })
})

t.test('admins only', async (t) => {
  const { testApp } = await setup(t)
  const user = await createTestUser(testApp)
  const forbidden = await testApp.app.inject({ method: 'POST', url: '/api/licenses/sync', headers: user.headers })
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.json().code, 'FORBIDDEN')
  const anonymous = await testApp.app.inject({ method: 'POST', url: '/api/licenses/sync' })
  t.equal(anonymous.statusCode, 401)
})

t.test('local mode: nothing to sync, answered at once', async (t) => {
  const testApp = await buildTestApp(t)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const res = await testApp.app.inject({ method: 'POST', url: '/api/licenses/sync', headers: admin.headers })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { source: 'local', licensesSynced: 0, changed: 0, durationMs: 0, status: 'local-mode' })
})

t.test('the OpenAPI document describes the route', async (t) => {
  const testApp = await buildTestApp(t)
  const doc = (await testApp.app.inject({ method: 'GET', url: '/docs/json' })).json()
  const route = doc.paths['/api/licenses/sync']?.post
  t.ok(route, 'documented')
  t.match(route.description, /local mode/)
  t.ok(route.responses['502'] && route.responses['503'])
})

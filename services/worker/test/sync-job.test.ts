import t from 'tap'
import { resolveLicense } from '@license-hub/licensing'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'
import { completed, startTestWorker } from './helpers/worker.js'
import { fakeLicense, startFakeLicenseServer, waitFor } from '@license-hub/test-support'

async function setup(t: { teardown: (fn: () => unknown) => void }) {
  const fake = await startFakeLicenseServer(t)
  const env = { LICENSE_MGMT_API_URL: fake.url, LICENSE_MGMT_API_KEY: 'worker-key-456' }
  const testApp = await buildTestApp(t, { env })
  fake.licenses = [fakeLicense(testApp.defaults.fingerprint)]
  return { fake, env, testApp }
}

t.test('the worker syncs at start, and /current then serves the external license', async (t) => {
  const { fake, env, testApp } = await setup(t)
  const worker = await startTestWorker(t, { databaseUrl: testApp.databaseUrl, redisPrefix: testApp.redisPrefix, env })
  await waitFor(() => completed(worker, 'sync').length >= 1, 10_000, 'the first sync')
  t.equal(fake.requests.find((r) => r.path === '/licenses')?.headers['x-internal-api-key'], 'worker-key-456', 'the API key header is sent')

  const { headers } = await createTestUser(testApp, { role: 'admin' })
  const res = await testApp.app.inject({ method: 'GET', url: '/api/licenses/current', headers })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { source: 'external', organizationName: 'Acme Corp', webrtcMaxUsers: 25, webrtcEnabled: true })
  t.ok(res.json().lastSyncedAt)
  t.equal((await resolveLicense(worker.ctx, testApp.defaults.tenant.id)).summary.source, 'external')
})

t.test('two workers running together sync once per tick', async (t) => {
  const { fake, env, testApp } = await setup(t)
  const options = { databaseUrl: testApp.databaseUrl, redisPrefix: testApp.redisPrefix, env, schedules: { sync: 700 } }
  const [a, b] = await Promise.all([startTestWorker(t, options), startTestWorker(t, options)])
  await waitFor(() => completed(a, 'sync').length + completed(b, 'sync').length >= 5, 15_000, 'five syncs')
  const schedulers = await a.queues.sync.getJobSchedulers()
  await Promise.all([a.close(), b.close()])

  const jobs = [...completed(a, 'sync'), ...completed(b, 'sync')]
  const ids = jobs.map((j) => j.jobId)
  t.equal(new Set(ids).size, ids.length, 'no job ran twice')
  t.equal(fake.hits('/licenses'), jobs.length, 'one call to the server per sync job')
  // Every job is a tick of the one scheduler (a fresh scheduler runs at once, so no extra start sync).
  const ticks = ids.map((id) => /^repeat:sync:(\d+)$/.exec(id)?.[1]).map(Number).sort((x, y) => x - y)
  t.ok(ticks.every((tick) => Number.isFinite(tick)), 'all jobs come from the scheduler')
  t.ok(ticks.slice(1).every((tick, i) => tick - ticks[i]! >= 700), 'one job per tick, ticks 700 ms apart')

  t.equal(schedulers.length, 1, 'one sync scheduler, not one per worker')
  t.equal(schedulers[0]?.every, 700)
})

t.test('a worker starting with the scheduler already in place syncs once at start', async (t) => {
  const { fake, env, testApp } = await setup(t)
  const options = { databaseUrl: testApp.databaseUrl, redisPrefix: testApp.redisPrefix, env }
  const first = await startTestWorker(t, options)
  await waitFor(() => completed(first, 'sync').length === 1, 10_000, 'the scheduler\'s first run')
  await first.close()
  t.equal(fake.hits('/licenses'), 1)

  const second = await startTestWorker(t, options)
  await waitFor(() => completed(second, 'sync').length === 1, 10_000, 'the start sync')
  const [job] = completed(second, 'sync')
  t.match(job, { reason: 'start' })
  t.equal(fake.hits('/licenses'), 2)
})

t.test('a lost job scheduler is upserted again by the periodic check', async (t) => {
  const { env, testApp } = await setup(t)
  const worker = await startTestWorker(t, { databaseUrl: testApp.databaseUrl, redisPrefix: testApp.redisPrefix, env, scheduleCheckMs: 200 })
  t.ok(await worker.queues['expiry-scan'].getJobScheduler('expiry-scan'))
  await worker.queues['expiry-scan'].removeJobScheduler('expiry-scan')
  const restored = await waitFor(() => worker.queues['expiry-scan'].getJobScheduler('expiry-scan'), 5_000, 'the scheduler again')
  t.equal(restored.every, 3_600_000)
})

t.test('a scheduled sync against a failing server fails the job (for a retry) and keeps the license', async (t) => {
  const { fake, env, testApp } = await setup(t)
  const options = { databaseUrl: testApp.databaseUrl, redisPrefix: testApp.redisPrefix, env }
  const worker = await startTestWorker(t, options)
  await waitFor(() => completed(worker, 'sync').length === 1, 10_000, 'the first sync')

  fake.mode = 'error'
  await worker.queues.sync.add('sync', { reason: 'schedule' }, { attempts: 2, backoff: { type: 'fixed', delay: 50 } })
  await waitFor(() => worker.log.lines.filter((l) => l.msg === 'job failed').length >= 2, 10_000, 'two failed attempts')
  const errors = worker.log.withMessage('Error syncing from external server')
  t.equal(errors.length, 2, 'each attempt logs the error')
  t.match(errors[0], { err: { message: /answered 500/ }, code: 'SYNC_FAILED' })
  t.equal((await resolveLicense(worker.ctx, testApp.defaults.tenant.id)).summary.source, 'external', 'the synced copy stays in force')
})

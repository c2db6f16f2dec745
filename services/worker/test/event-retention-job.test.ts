import t from 'tap'
import { pruneEvents } from '@license-hub/licensing'
import { buildTestApp } from '../../../test/helpers/app.js'
import { completed, startTestWorker } from './helpers/worker.js'
import { waitFor } from '@license-hub/test-support'

const DAY = 86_400_000

async function seedEvents(db: Awaited<ReturnType<typeof buildTestApp>>['db'], tenantId: string, ageDays: number, count: number) {
  const createdAt = new Date(Date.now() - ageDays * DAY)
  const rows = Array.from({ length: count }, (_, n) => ({
    tenantId, type: 'license_updated', data: JSON.stringify({ changes: ['status'], severity: 'info', message: `#${n}` }), createdAt,
  }))
  await db.insertInto('events').values(rows).execute()
}

t.test('the event-retention job deletes events older than EVENT_RETENTION_DAYS and keeps the rest', async (t) => {
  const testApp = await buildTestApp(t)
  const tenantId = testApp.defaults.tenant.id
  await seedEvents(testApp.db, tenantId, 12, 3)
  await seedEvents(testApp.db, tenantId, 8, 2)
  const worker = await startTestWorker(t, {
    databaseUrl: testApp.databaseUrl, redisPrefix: testApp.redisPrefix, env: { EVENT_RETENTION_DAYS: '10' }, schedules: { 'event-retention': 300 },
  })
  const run = await waitFor(() => completed(worker, 'event-retention')[0], 10_000, 'a retention run')
  t.same(run.result, { deleted: 3 })
  const left = await testApp.db.selectFrom('events').select('createdAt').where('tenantId', '=', tenantId).execute()
  t.equal(left.length, 2, 'the events within the retention are kept')
  t.ok(left.every((e) => e.createdAt.getTime() > Date.now() - 10 * DAY))
})

t.test('retention deletes in batches until nothing old is left', async (t) => {
  const testApp = await buildTestApp(t)
  const tenantId = testApp.defaults.tenant.id
  await seedEvents(testApp.db, tenantId, 40, 25)
  await seedEvents(testApp.db, tenantId, 1, 4)
  const lines: unknown[] = []
  const log = { info: (...args: unknown[]) => lines.push(args) } as never
  const outcome = await pruneEvents({ db: testApp.db, config: testApp.config, log, now: () => new Date() }, 10)
  t.same(outcome, { deleted: 25 }, 'three batches (10, 10, 5) with the default 30 days')
  t.equal((await testApp.db.selectFrom('events').select('id').where('tenantId', '=', tenantId).execute()).length, 4)
  t.equal(lines.length, 1, 'one log line for the run')
})

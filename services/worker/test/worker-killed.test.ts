import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { sql } from 'kysely'
import { startRedis } from '@license-hub/local-servers'
import { redisKeys } from '@license-hub/redis'
import { createQueue, queueConnection } from '@license-hub/redis/queues'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'
import { fakeLicense, harnessEnv, professionalType, startFakeLicenseServer, testSecrets, waitFor } from '@license-hub/test-support'

type Teardown = { teardown: (fn: () => unknown) => void }

// main.ts's process with BullMQ's stalled-job timings shortened (3 s lock, 1 s check), see the fixture.
const workerProcess = new URL('./fixtures/worker-process.ts', import.meta.url).pathname

interface WorkerProcess { child: ChildProcess; exited: Promise<unknown>; output: () => string }

function spawnWorker(t: Teardown, env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=license-hub-src', workerProcess], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { output += d.toString() })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return { child, exited, output: () => output }
}

t.test('a worker killed in the middle of a sync transaction leaves nothing half-written, and its job runs again', { timeout: 120_000 }, async (t) => {
  // A redis-server of this test's own: the worker process uses the default key prefix.
  const redisServer = await startRedis({ dataDir: await mkdtemp(join(harnessEnv().tmp, 'worker-killed-')) })
  t.teardown(() => redisServer.stop())
  const fake = await startFakeLicenseServer(t)
  const env = { LICENSE_MGMT_API_URL: fake.url, LICENSE_MGMT_API_KEY: 'killed-worker-key' }
  const testApp = await buildTestApp(t, { env, redisUrl: redisServer.url, redisPrefix: redisKeys().prefix })
  const { db, defaults } = testApp
  const fingerprint = defaults.fingerprint

  // License `fresh` is new to us; `known` was synced before under an older name. The server also renamed type 2.
  const fresh = fakeLicense(fingerprint)
  const known = fakeLicense(fingerprint, { organization_name: 'Acme Corp' })
  fake.licenses = [fresh, known]
  fake.types = [professionalType({ name: 'Professional 2025' })]
  const typeBefore = await db.selectFrom('licenseTypes').select('name').where('id', '=', 2).executeTakeFirstOrThrow()
  const knownRow = await db.insertInto('serverLicenses').values({
    source: 'external', externalId: String(known.id), tenantId: defaults.tenant.id, organizationName: 'Old Corp', serverFingerprint: fingerprint,
    status: 'active', maxUsers: 50, webrtcMaxUsers: 25, licenseTypeId: 2, features: JSON.stringify({ calls: true }), lastSyncedAt: new Date(),
  }).returning('id').executeTakeFirstOrThrow()

  // Holding `known`'s row stops the sync at its update, after it renamed the type and inserted `fresh`.
  const locker = new pg.Client({ connectionString: testApp.databaseUrl })
  await locker.connect()
  t.teardown(() => locker.end())
  await locker.query('begin')
  await locker.query('select id from server_licenses where id = $1 for update', [knownRow.id])

  const secrets = testSecrets()
  const processEnv = {
    NODE_ENV: 'test', LOG_LEVEL: 'info', DATABASE_URL: testApp.databaseUrl, REDIS_URL: redisServer.url,
    JWT_SECRET: secrets.jwtSecret, LICENSE_PRIVATE_KEY: secrets.licensePrivateKey, LICENSE_PUBLIC_KEY: secrets.licensePublicKey,
    ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password', ...env,
  }
  const first = spawnWorker(t, processEnv)
  // pg_stat_activity is a snapshot per transaction, so it is read outside the locker's.
  const blocked = await waitFor(async () => {
    if (first.child.exitCode !== null) throw new Error(`the worker exited:\n${first.output()}`)
    const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and query ~* 'server_licenses'`.execute(db)
    return rows[0]
  }, 60_000, 'the sync to wait on the locked row').catch(async (err: Error) => {
    const { rows } = await sql<{ state: string; wait: string; query: string }>`select state, wait_event_type as wait, query from pg_stat_activity
      where datname = current_database()`.execute(db)
    throw new Error(`${err.message}; sessions: ${JSON.stringify(rows)}; worker:\n${first.output()}`)
  })

  const bull = queueConnection(redisServer.url, 'queue-worker')
  t.teardown(() => bull.quit())
  const queue = createQueue('sync', bull, redisKeys())
  t.teardown(() => queue.close())
  const [job] = await queue.getActive()
  t.ok(job, 'the sync job is active when the worker dies')

  first.child.kill('SIGKILL')
  await first.exited
  t.equal(first.child.signalCode, 'SIGKILL')
  await locker.query('rollback')
  // The orphaned transaction ends when its backend finds the client gone; it must not commit.
  await waitFor(async () => {
    const { rows } = await sql`select 1 from pg_stat_activity where pid = ${blocked.pid}`.execute(db)
    return rows.length === 0
  }, 20_000, 'the killed worker\'s transaction to end')

  const externals = () => db.selectFrom('serverLicenses').selectAll().where('source', '=', 'external').orderBy('createdAt').execute()
  const typeName = async () => (await db.selectFrom('licenseTypes').select('name').where('id', '=', 2).executeTakeFirstOrThrow()).name
  const afterKill = await externals()
  t.same(afterKill.map((r) => [r.externalId, r.organizationName]), [[String(known.id), 'Old Corp']], 'neither the insert nor the update is kept')
  t.equal(await typeName(), typeBefore.name, 'the type rename is rolled back too')

  // Another worker takes the stalled job up again once the dead worker's lock has run out.
  const second = spawnWorker(t, processEnv)
  const done = await waitFor(async () => {
    if (second.child.exitCode !== null) throw new Error(`the second worker exited:\n${second.output()}`)
    const again = await queue.getJob(job!.id!)
    return again && (await again.getState()) === 'completed' ? again : undefined
  }, 60_000, 'the interrupted job to complete').catch((err: Error) => { throw new Error(`${err.message}\n${second.output()}`) })
  t.equal(done.stalledCounter, 1, 'the job completed after being recovered as stalled')
  t.match(done.returnvalue, { status: 'synced', licensesSynced: 2 })
  // The job's state turns completed in Redis just before the worker logs it: wait for the line.
  const completedLine = new RegExp(`"jobId":"${job!.id}".*"msg":"job completed"`)
  await waitFor(() => completedLine.test(second.output()), 10_000, 'the worker to log the recovered job')
  t.match(second.output(), completedLine)

  const synced = await externals()
  t.same(synced.map((r) => r.externalId).sort(), [String(fresh.id), String(known.id)].sort(), 'each license once')
  t.equal(synced.find((r) => r.externalId === String(known.id))?.organizationName, 'Acme Corp')
  t.equal(await typeName(), 'Professional 2025')

  const { headers } = await createTestUser(testApp, { role: 'admin' })
  const res = await testApp.app.inject({ method: 'GET', url: '/api/licenses/current', headers })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { source: 'external', organizationName: 'Acme Corp' })

  second.child.kill('SIGTERM')
  await second.exited
  t.equal(second.child.exitCode, 0, 'the second worker stops cleanly')
})

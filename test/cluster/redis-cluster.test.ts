/**
 * license-hub on a six-node Redis Cluster (three masters, three replicas) started on loopback:
 * two api nodes (each with its own Redis clients, event subscriber and WebSocket hub) and a real
 * worker process, all configured with the cluster's seeds. Then the master holding the tenant's
 * slot is killed in the middle of traffic, and its replica takes over.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startRedisCluster } from '@license-hub/local-servers'
import { publishEvent } from '@license-hub/licensing'
import { eventShardChannel, followTenantEvents, redisKeys, type RedisTarget } from '@license-hub/redis'
import { createQueue, queueConnection } from '@license-hub/redis/queues'
import type { PublishedEvent } from '@license-hub/contract'
import { harnessEnv, startFakeLicenseServer, testSecrets } from '@license-hub/test-support'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestUser, type TestUser } from '../helpers/users.js'
import { connect, eventually, licenseExpired, type TestSocket } from '../ws/ws-client.js'
import { createSession, get, licenseWithSeats, post, validateSession } from '../../services/api/test/helpers/seats.js'

const SEATS = 5
const CONTENDERS = 8 * SEATS

async function liveInPostgres(node: TestApp, licenseId: string): Promise<number> {
  const row = await node.db.selectFrom('clientSessions').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('licenseId', '=', licenseId).where('endedAt', 'is', null).executeTakeFirstOrThrow()
  return Number(row.n)
}

t.test('on a Redis Cluster: exact admission, events on both nodes, replay, jobs, and a failover mid-traffic', { timeout: 400_000 }, async (t) => {
  const cluster = await startRedisCluster({ dataDir: await mkdtemp(join(harnessEnv().tmp, 'redis-cluster-')), nodeTimeoutMs: 1000 })
  t.teardown(() => cluster.stop())
  const redis: RedisTarget = { clusterNodes: cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })) }

  // The worker process reads the default key prefix, so both api nodes use it too (the cluster is this test's own).
  const keys = redisKeys()
  const fake = await startFakeLicenseServer(t)
  const env = { LICENSE_MGMT_API_URL: fake.url, LICENSE_MGMT_API_KEY: 'cluster-test-key' }
  const a = await buildTestApp(t, { env, redisUrl: redis, redisPrefix: keys.prefix })
  const b = await buildTestApp(t, { env, redisUrl: redis, redisPrefix: keys.prefix, databaseUrl: a.databaseUrl })
  const tenantId = a.defaults.tenant.id

  const secrets = testSecrets()
  const worker = spawn(process.execPath, ['--import', 'tsx', '--conditions=license-hub-src',
    new URL('../../services/worker/src/main.ts', import.meta.url).pathname], {
    env: {
      ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', DATABASE_URL: a.databaseUrl, REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.seeds,
      JWT_SECRET: secrets.jwtSecret, LICENSE_PRIVATE_KEY: secrets.licensePrivateKey, LICENSE_PUBLIC_KEY: secrets.licensePublicKey,
      ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let workerLog = ''
  worker.stdout.on('data', (d: Buffer) => { workerLog += d.toString() })
  worker.stderr.on('data', (d: Buffer) => { workerLog += d.toString() })
  const workerExited = new Promise((resolve) => worker.once('exit', resolve))
  t.teardown(async () => {
    if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL')
    await workerExited
  })

  const license = await licenseWithSeats(a, SEATS)
  const users: TestUser[] = await Promise.all(Array.from({ length: CONTENDERS }, () => createTestUser(a)))
  const admin = await createTestUser(a, { role: 'admin' })

  // --- admission races stay exact across the two nodes ---------------------------------------------
  const answers = await Promise.all(users.map((user, i) => createSession((i % 2 ? b : a).app, user.headers, `device-${i}`)))
  const granted = answers.flatMap((res, i) =>
    (res.statusCode === 201 ? [{ user: users[i]!, sessionId: res.json().sessionId as string }] : []))
  t.equal(granted.length, SEATS, `exactly ${SEATS} of ${CONTENDERS} racing users get a seat`)
  t.equal(answers.filter((res) => res.statusCode === 403).length, CONTENDERS - SEATS, 'everyone else is refused')
  t.equal(await liveInPostgres(a, license.id), SEATS)
  t.equal((await get(b.app, '/api/licenses/session-count', admin.headers)).json().activeSessions, SEATS)

  // --- events reach both nodes' sockets, by sharded pub/sub ------------------------------------------
  const onA = await connect(t, a.app, { token: admin.token })
  const onB = await connect(t, b.app, { token: admin.token })
  // A tool following the tenant (the CLI's `events --follow`) listens on the tenant's shard channel only.
  const followed: PublishedEvent[] = []
  // Its connection errors are reported, not fatal: the failover below drops its shard's subscriber
  // until the replica takes over (the CLI prints them on stderr and keeps following).
  const followerErrors: Error[] = []
  const follower = await followTenantEvents(redis, keys, tenantId, (event) => followed.push(event), (err) => followerErrors.push(err))
  t.teardown(() => follower.close())
  const first = await publishEvent(a.app.licensing, tenantId, licenseExpired())
  t.equal((await onA.next(10_000)).id, first.id, 'the event reaches the socket on node A')
  t.equal((await onB.next(10_000)).id, first.id, 'and the one on node B')
  t.same((await eventually(() => followed, (events) => events.length > 0, 100)).map((e) => e.id), [first.id], 'and a follower of the tenant')
  const channel = eventShardChannel(keys, tenantId)
  t.match(await cluster.ask(await cluster.masterOf(await cluster.keySlot(channel)), 'PUBSUB', 'SHARDCHANNELS'), channel,
    'the tenant\'s events go on a shard channel, held by one master')
  for (const node of cluster.nodes) {
    t.equal((await cluster.ask(node.port, 'PUBSUB', 'CHANNELS')).trim(), '', `no classic (cluster-wide) channel on :${node.port}`)
  }
  // The master to kill: the one holding the tenant's slot (seats, stream, license cache).
  const slot = await cluster.keySlot(keys.eventStream(tenantId))
  const owner = await cluster.masterOf(slot)
  t.match(await cluster.ask(owner, 'PUBSUB', 'SHARDCHANNELS'), /events/, 'it also holds some of the shard channels the nodes subscribe to')

  // --- replay after reconnect --------------------------------------------------------------------
  onB.ws.close()
  await onB.closed
  const missed = [
    await publishEvent(a.app.licensing, tenantId, licenseExpired()),
    await publishEvent(b.app.licensing, tenantId, licenseExpired()),
  ]
  const back = await connect(t, b.app, { token: admin.token, query: { lastEventId: first.id } })
  t.same([(await back.next(10_000)).id, (await back.next(10_000)).id], missed.map((e) => e.id), 'the reconnected socket gets what it missed, in order')
  for (let i = 0; i < missed.length; i++) await onA.next(10_000)

  // --- a sync job and the cleanup job run on the worker ------------------------------------------
  const deadline = Date.now() + 60_000
  while (!/worker started/.test(workerLog)) {
    if (Date.now() > deadline || worker.exitCode !== null) throw new Error(`the worker did not start:\n${workerLog}`)
    await sleep(200)
  }
  const synced = await post(b.app, '/api/licenses/sync', admin.headers, {})
  t.equal(synced.statusCode, 200, `a sync runs through the worker's queue${synced.statusCode === 200 ? '' : `: ${synced.body}`}`)
  t.equal(synced.json().status, 'synced')
  const producer = queueConnection(redis, 'queue-producer')
  const cleanupQueue = createQueue('session-cleanup', producer, keys)
  t.teardown(async () => {
    await cleanupQueue.close().catch(() => {}) // its master may be the one killed below: the socket is dropped next
    producer.disconnect()
  })
  const cleanup = await cleanupQueue.add('session-cleanup', { reason: 'manual' })
  const state = await eventually(() => cleanupQueue.getJobState(cleanup.id!), (s) => s === 'completed' || s === 'failed', 1200)
  t.equal(state, 'completed', `the cleanup job runs on the worker${state === 'completed' ? '' : `:\n${workerLog.slice(-3000)}`}`)
  t.same((await cleanupQueue.getJob(cleanup.id!))?.returnvalue, { ended: 0 }, 'and leaves the live seats alone')

  // --- the master holding the tenant's slot dies mid-traffic ---------------------------------------
  const statuses = new Map<number, number>()
  const bodies500: string[] = []
  let traffic = true
  const others = users.filter((user) => !granted.some((g) => g.user === user))
  const loops = [
    // The seat holders heartbeat on both nodes.
    ...granted.map(({ user, sessionId }, i) => async () => {
      while (traffic) {
        const res = await validateSession((i % 2 ? a : b).app, user.headers, sessionId)
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode >= 500 && res.statusCode !== 503) bodies500.push(res.body)
        await sleep(20)
      }
    }),
    // Others keep trying to take a seat (the license is full).
    ...others.slice(0, 6).map((user, i) => async () => {
      while (traffic) {
        const res = await createSession((i % 2 ? b : a).app, user.headers, `device-x${i}`)
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode === 201) t.fail('a seat was granted over the limit during the failover')
        if (res.statusCode >= 500 && res.statusCode !== 503) bodies500.push(res.body)
        await sleep(20)
      }
    }),
  ]
  const running = Promise.all(loops.map((loop) => loop()))
  await sleep(500)
  const resyncs = (socket: TestSocket) => socket.received.filter((m) => m.type === 'resync').length
  const before = { a: resyncs(onA), b: resyncs(back) }
  const marker = keys.seatsLoaded(tenantId, license.id)
  const markerBefore = (await cluster.ask(owner, 'GET', marker)).trim()
  const replicationId = async (port: number) => /master_replid:(\w+)/.exec(await cluster.ask(port, 'INFO', 'replication'))?.[1]
  t.equal(markerBefore, await replicationId(owner), 'the seats were loaded on the master about to die')
  const victim = cluster.nodes.find((node) => node.port === owner)!
  await victim.kill()
  // The replica is promoted once the others have marked the master failed (cluster-node-timeout).
  // No master known for the slot while the election runs reads as the old one: asked again.
  const promoted = await eventually(() => cluster.masterOf(slot).catch(() => owner), (port) => port !== owner, 400)
  t.not(promoted, owner, `a replica took over the slot (:${owner} → :${promoted})`)
  // Traffic goes on until every holder's heartbeat is answered again.
  const recovered = await eventually(async () => {
    const checks = await Promise.all(granted.map(({ user, sessionId }, i) => validateSession((i % 2 ? a : b).app, user.headers, sessionId)))
    return checks.every((res) => res.statusCode === 200 && res.json().valid === true)
  }, (ok) => ok, 600)
  traffic = false
  await running
  t.ok(recovered, 'after the failover every live seat is valid again')
  t.same(bodies500, [], 'no request answered 500 (only 503 while the slot had no master)')
  t.ok([...statuses.keys()].every((code) => [200, 201, 403, 503].includes(code)), `answers during the failover: ${JSON.stringify(Object.fromEntries(statuses))}`)

  // The seats a replica may have missed (asynchronous replication) are rebuilt from Postgres: the count is exact.
  t.equal(await liveInPostgres(a, license.id), SEATS, 'Postgres still records the holders')
  const markerAfter = (await cluster.ask(promoted, 'GET', marker)).trim()
  t.not(markerAfter, markerBefore, 'the promoted replica did not trust the seats it had replicated')
  t.equal(markerAfter, await replicationId(promoted), 'they were rebuilt from Postgres on it')
  for (const node of [a, b]) {
    t.equal((await get(node.app, '/api/licenses/session-count', admin.headers)).json().activeSessions, SEATS, 'the count is exact on each node')
  }
  const again = await Promise.all(others.map((user, i) => createSession((i % 2 ? b : a).app, user.headers, `device-y${i}`)))
  t.equal(again.filter((res) => res.statusCode === 201).length, 0, 'a new race after the failover admits nobody over the limit')
  t.equal(again.filter((res) => res.statusCode === 403).length, others.length)

  // Both nodes' sockets were told to resync (pub/sub lost whatever was published during the failover).
  const resynced = await eventually(() => ({ a: resyncs(onA), b: resyncs(back) }), (n) => n.a > before.a && n.b > before.b, 400)
  t.ok(resynced.a > before.a, 'the socket on node A got resync')
  t.ok(resynced.b > before.b, 'the socket on node B got resync')
  // And live events flow again, on the new master.
  const after = await publishEvent(b.app.licensing, tenantId, licenseExpired())
  const seen = async (socket: TestSocket) => (await eventually(() => socket.received.some((m) => m.id === after.id), (ok) => ok, 200))
  t.ok(await seen(onA), 'an event after the failover reaches node A')
  t.ok(await seen(back), 'and node B')
})

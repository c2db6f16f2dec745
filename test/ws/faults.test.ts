import t from 'tap'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { freePort, startRedis, type RunningRedis } from '@license-hub/local-servers'
import { publishEvent } from '@license-hub/licensing'
import { buildTestApp } from '../helpers/app.js'
import { createTestUser } from '../helpers/users.js'
import { connect, licenseExpired, licenseUpdated } from './ws-client.js'
import { harnessEnv } from '@license-hub/test-support'

t.test('after a Redis restart every client is told to resync and delivery resumes', async (t) => {
  // A redis-server of this test's own: the harness's is shared with every other test file.
  const dataDir = join(harnessEnv().tmp, `ws-redis-${randomBytes(4).toString('hex')}`)
  const port = await freePort()
  let redis: RunningRedis = await startRedis({ dataDir, port })
  t.teardown(() => redis.stop())
  const testApp = await buildTestApp(t, { redisUrl: redis.url })
  const users = await Promise.all([1, 2].map(() => createTestUser(testApp)))
  const sockets = await Promise.all(users.map(({ token }) => connect(t, testApp.app, { token })))
  const before = await publishEvent(testApp.app.licensing, testApp.defaults.tenant.id, licenseExpired())
  for (const socket of sockets) t.equal((await socket.next()).id, before.id)

  await redis.stop()
  redis = await startRedis({ dataDir, port })
  for (const socket of sockets) t.same(await socket.next(10_000), { type: 'resync' })

  const after = await publishEvent(testApp.app.licensing, testApp.defaults.tenant.id, licenseExpired())
  for (const socket of sockets) t.equal((await socket.next()).id, after.id, 'live events flow again')
  t.ok(BigInt(after.id) > BigInt(before.id), 'ids keep increasing: they come from Postgres')

  // The restarted Redis has no stream: a reconnect replays from Postgres.
  const again = await connect(t, testApp.app, { token: users[0]!.token, query: { lastEventId: before.id } })
  t.equal((await again.next()).id, after.id)
})

t.test('a client that does not read is closed with 4000 while the others keep receiving', async (t) => {
  const testApp = await buildTestApp(t, { wsHub: { maxBufferedBytes: 64 * 1024, slowConsumerCloseMs: 60_000 } })
  const { app } = testApp
  const tenantId = testApp.defaults.tenant.id
  const { token } = await createTestUser(testApp)
  const slow = await connect(t, app, { token })
  const fast = await connect(t, app, { token })
  const raw = (slow.ws as unknown as { _socket: { pause: () => void; resume: () => void } })._socket
  raw.pause()

  // ~100 KB each, until the kernel's buffers are full and the bound is passed.
  const changes = Array.from({ length: 1000 }, (_, i) => `field-${i}-${'x'.repeat(90)}`)
  let published = 0
  while (app.wsHub.hub.slowConsumers === 0 && published < 500) {
    const event = await publishEvent(app.licensing, tenantId, licenseUpdated(changes))
    published++
    t.equal((await fast.next()).id, event.id, `the reading client got event ${published}`)
  }
  t.equal(app.wsHub.hub.slowConsumers, 1, `the slow client was dropped after ${published} events`)
  t.equal(app.wsHub.hub.size, 1)

  const later = await publishEvent(app.licensing, tenantId, licenseExpired())
  t.equal((await fast.next()).id, later.id)
  raw.resume()
  t.equal((await slow.closed).code, 4000, 'the slow client learns why once it reads again')
  t.ok(slow.received.length < published, 'it had not read everything')
})

t.test('shutdown closes every socket with 1001, in batches, while the node is draining', async (t) => {
  const testApp = await buildTestApp(t, { wsHub: { drainBatchSize: 2, drainBatchIntervalMs: 20 } })
  const { app } = testApp
  const { token } = await createTestUser(testApp)
  const sockets = await Promise.all([1, 2, 3, 4, 5].map(() => connect(t, app, { token })))
  let drainingAtFirstClose: boolean | undefined
  sockets[0]!.ws.once('close', () => { drainingAtFirstClose = app.draining })
  await app.close()
  for (const socket of sockets) t.equal((await socket.closed).code, 1001)
  t.equal(drainingAtFirstClose, true, 'the node was draining (/ready answers 503) while it closed its sockets')
  t.equal(app.wsHub.hub.size, 0)
})

import t from 'tap'
import { WebSocket } from 'ws'
import { LicenseHubRest, LicenseSocket, SeatKeeper, memoryStore, type SeatStatus } from '@license-hub/client'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestUser, type TestUser } from '../helpers/users.js'
import { licenseWithSeats, testClock } from '../../services/api/test/helpers/seats.js'
import { FakeClock, flush } from '../../packages/client/test/fakes.js'

async function listen(testApp: TestApp): Promise<string> {
  return testApp.app.listen({ port: 0, host: '127.0.0.1' })
}

function keeper(baseUrl: string, user: TestUser, deviceId: string, extra: { onAuthRequired?: () => void } = {}) {
  const clock = new FakeClock()
  const states: SeatStatus[] = []
  const rest = new LicenseHubRest({ baseUrl, token: () => user.token })
  const seat = new SeatKeeper({
    rest, deviceId, scheduler: clock, onStateChange: (s) => states.push(s), random: () => 0, store: memoryStore(), ...extra,
  })
  return { seat, states, clock, rest }
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

t.test('the seat keeper: active, heartbeats at the server\'s interval, re-admits after a lapse, gives the seat back on stop', async (t) => {
  const serverClock = testClock()
  const testApp = await buildTestApp(t, { now: serverClock.now })
  await licenseWithSeats(testApp, 5)
  const baseUrl = await listen(testApp)
  const user = await createTestUser(testApp)
  const { seat, states, clock, rest } = keeper(baseUrl, user, 'laptop')

  const first = await seat.start()
  t.match(first, { state: 'active', activeSessions: 1, webrtcMaxUsers: 5 })
  t.equal(clock.due('seat:heartbeat'), 30_000, 'the next heartbeat at heartbeatIntervalSec')
  const before = first.expiresAt!
  serverClock.advance(30)
  await clock.advance(30_000)
  await until(() => seat.status.expiresAt !== before, 'a heartbeat')
  t.equal(seat.status.state, 'active')
  t.ok(Date.parse(seat.status.expiresAt!) > Date.parse(before), 'the heartbeat extended the lease')

  // The laptop slept past the lease: the next heartbeat finds the seat gone and takes one again.
  const lapsed = seat.sessionId
  serverClock.advance(120)
  await clock.advance(30_000)
  await until(() => seat.status.state === 'active' && seat.sessionId !== lapsed, 're-admission')
  t.match(states.slice(-2).map((s) => s.state), ['lost', 'active'], 'lost, then active again')
  t.equal(states.at(-2)!.code, 'SESSION_NOT_FOUND')

  t.equal((await rest.sessionCount()).activeSessions, 1)
  await seat.stop()
  t.equal(seat.status.state, 'idle')
  t.equal((await rest.sessionCount()).activeSessions, 0, 'stop() ended the session on the server')
  t.same(clock.pending(), [], 'no heartbeat after stop')
})

t.test('forced: a second device is refused with canForce, force() takes the seat, the first device ends at once and stays ended', async (t) => {
  const testApp = await buildTestApp(t)
  await licenseWithSeats(testApp, 5)
  const baseUrl = await listen(testApp)
  const user = await createTestUser(testApp)
  const laptop = keeper(baseUrl, user, 'laptop')
  const desk = keeper(baseUrl, user, 'desk')
  const socket = new LicenseSocket({
    url: laptop.rest.socketUrl, token: () => user.token, WebSocket: WebSocket as never,
    onEvent: (event) => laptop.seat.handleEvent(event),
  })
  t.teardown(() => socket.close())
  await new Promise<void>((resolve) => {
    socket.connect()
    const check = setInterval(() => { if (socket.status.state === 'open') { clearInterval(check); resolve() } }, 10)
  })
  await laptop.seat.start()
  t.equal(laptop.seat.status.state, 'active')

  t.match(await desk.seat.start(), { state: 'refused', code: 'CONCURRENT_SESSION', canForce: true })
  t.same(desk.clock.pending(), [], 'a refusal is not retried by itself')
  t.match(await desk.seat.force(), { state: 'active' })
  await until(() => laptop.seat.status.state === 'ended', 'the laptop hearing session_ended')
  t.match(laptop.seat.status, { state: 'ended', reason: 'forced' })
  t.same(laptop.clock.pending(), [], 'the forced-away keeper does not try again')
  t.equal((await desk.rest.sessionCount()).activeSessions, 1, 'one seat, the desk\'s')

  // Without the socket (it was down), the next heartbeat finds out: no re-admission that would take the seat back.
  const phone = keeper(baseUrl, user, 'phone')
  t.match(await phone.seat.force(), { state: 'active' })
  await desk.clock.advance(30_000)
  await until(() => desk.seat.status.state === 'ended', 'the desk noticing on its heartbeat')
  t.match(desk.seat.status, { state: 'ended', reason: 'forced' })
  const active = await phone.rest.validateSession(phone.seat.sessionId!)
  t.equal(active.valid, true, 'the phone keeps its seat')
  await phone.seat.stop()
})

t.test('revoked by an admin, and a 401 asking to sign in again', async (t) => {
  const testApp = await buildTestApp(t)
  const license = await licenseWithSeats(testApp, 5)
  const baseUrl = await listen(testApp)
  const user = await createTestUser(testApp)
  const admin = await createTestUser(testApp, { role: 'admin' })
  const laptop = keeper(baseUrl, user, 'laptop')
  const socket = new LicenseSocket({
    url: laptop.rest.socketUrl, token: () => user.token, WebSocket: WebSocket as never,
    onEvent: (event) => laptop.seat.handleEvent(event),
  })
  t.teardown(() => socket.close())
  socket.connect()
  await until(() => socket.status.state === 'open', 'the socket')
  await laptop.seat.start()
  t.equal(laptop.seat.status.state, 'active')
  const adminRest = new LicenseHubRest({ baseUrl, token: () => admin.token })
  await adminRest.setUserWebrtc(license.id, user.user.id, false)
  await until(() => laptop.seat.status.state === 'ended', 'session_ended revoked')
  t.match(laptop.seat.status, { state: 'ended', reason: 'revoked' })
  await laptop.clock.advance(120_000)
  await flush()
  t.equal(laptop.seat.status.state, 'ended', 'never re-admitted after revoked')

  let authRequired = 0
  const stale = keeper(baseUrl, { ...user, token: 'not-a-jwt' }, 'x', { onAuthRequired: () => { authRequired++ } })
  t.match(await stale.seat.start(), { state: 'refused', code: 'UNAUTHORIZED' })
  t.equal(authRequired, 1)
})

t.test('a server that cannot be reached: lost with a retry, then active when it answers', async (t) => {
  const testApp = await buildTestApp(t)
  await licenseWithSeats(testApp, 5)
  const baseUrl = await listen(testApp)
  const user = await createTestUser(testApp)
  let down = true
  const rest = new LicenseHubRest({
    baseUrl, token: () => user.token,
    fetch: (url, init) => (down ? Promise.reject(new TypeError('fetch failed')) : fetch(url, init)),
  })
  const clock = new FakeClock()
  const seat = new SeatKeeper({ rest, deviceId: 'd', scheduler: clock, random: () => 0 })
  t.match(await seat.start(), { state: 'lost', code: 'NETWORK_ERROR', nextRetryMs: 1000 })
  await clock.advance(1000)
  t.match(seat.status, { state: 'lost', nextRetryMs: 2000 }, 'backing off')
  down = false
  await clock.advance(2000)
  await until(() => seat.status.state === 'active', 'admission')
  await seat.stop()
})

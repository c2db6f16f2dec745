import t from 'tap'
import { backoffDelay, DEFAULT_BACKOFF } from '../src/backoff.js'
import { LicenseSocket, type LicenseSocketOptions, type LicenseSocketStatus } from '../src/socket.js'
import { memoryStore } from '../src/store.js'
import { event, FakeClock, FakeSocket, flush } from './fakes.js'

function setup(options: Partial<LicenseSocketOptions> = {}) {
  FakeSocket.reset()
  const clock = new FakeClock()
  const states: LicenseSocketStatus[] = []
  const events: string[] = []
  let reloads = 0
  const socket = new LicenseSocket({
    url: 'ws://hub/ws/license', token: () => 'jwt', scheduler: clock, WebSocket: FakeSocket,
    onStateChange: (s) => states.push(s), onEvent: (e) => events.push(e.id), reload: () => { reloads++ },
    random: () => 0.5, ...options,
  })
  return { clock, socket, states, events, reloads: () => reloads }
}

t.test('the back-off: 1 s doubling to 30 s, jitter within [base/2, base]', async (t) => {
  const bases = [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
  bases.forEach((base, i) => {
    t.equal(backoffDelay(i + 1, DEFAULT_BACKOFF, () => 0), base, `try ${i + 1} waits at most ${base} ms`)
    t.equal(backoffDelay(i + 1, DEFAULT_BACKOFF, () => 0.999999), Math.round(base * (1 - 0.5 * 0.999999)), 'and no less than half')
  })
  for (let i = 0; i < 200; i++) {
    const attempt = 1 + (i % 10)
    const base = Math.min(30_000, 1000 * 2 ** (attempt - 1))
    const delay = backoffDelay(attempt)
    t.ok(delay >= base / 2 && delay <= base, `random jitter stays in bounds (${delay} for base ${base})`)
  }
  t.equal(backoffDelay(1000, DEFAULT_BACKOFF, () => 0), 30_000, 'huge attempt counts stay at the cap')
})

t.test('reconnects on the schedule, never gives up by default, and only a stable or talking socket resets it', async (t) => {
  const { clock, socket, states } = setup({ random: () => 0 })
  socket.connect()
  await flush()
  t.equal(FakeSocket.sockets.length, 1)
  t.same(FakeSocket.last().protocols, ['bearer.jwt'], 'the token travels as the bearer subprotocol')

  const waits: number[] = []
  for (let i = 0; i < 12; i++) {
    FakeSocket.last().serverClose(1006)
    const state = states.at(-1)!
    t.equal(state.state, 'reconnecting')
    waits.push(state.nextRetryMs!)
    await clock.advance(state.nextRetryMs! - 1)
    t.equal(FakeSocket.sockets.length, i + 1, 'no try before the wait is over')
    await clock.advance(1)
    t.equal(FakeSocket.sockets.length, i + 2, 'a new try when it is over')
  }
  t.same(waits, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000, 30000, 30000], 'doubling to 30 s and still trying')

  // Accepted and closed at once (as at a connection cap): open is no reason to reset.
  FakeSocket.last().open()
  await clock.advance(9_999)
  FakeSocket.last().serverClose(1001)
  t.equal(states.at(-1)!.nextRetryMs, 30_000, 'a socket open under 10 s does not reset the back-off')
  await clock.advance(30_000)

  FakeSocket.last().open()
  await clock.advance(10_000)
  FakeSocket.last().serverClose(1001)
  t.equal(states.at(-1)!.nextRetryMs, 1000, 'a socket open 10 s resets it')
  await clock.advance(1000)

  FakeSocket.last().serverClose(1006)
  t.equal(states.at(-1)!.nextRetryMs, 2000)
  await clock.advance(2000)
  FakeSocket.last().serverClose(1006)
  t.equal(states.at(-1)!.nextRetryMs, 4000)
  await clock.advance(4000)
  FakeSocket.last().open()
  FakeSocket.last().message({ type: 'pong', timestamp: 'x' })
  FakeSocket.last().serverClose(1001)
  t.equal(states.at(-1)!.nextRetryMs, 1000, 'a socket that delivered a message resets it')
  socket.close()
  t.equal(states.at(-1)!.state, 'idle')
  t.same(clock.pending(), [], 'close() leaves no timer behind')
})

t.test('1013 waits at least 5 s, however early in the back-off', async (t) => {
  const { clock, socket, states } = setup({ random: () => 0 })
  socket.connect()
  await flush()
  FakeSocket.last().open()
  FakeSocket.last().serverClose(1013)
  t.match(states.at(-1), { state: 'reconnecting', code: 1013, attempt: 1, nextRetryMs: 5000 })
  await clock.advance(4999)
  t.equal(FakeSocket.sockets.length, 1, 'no retry before 5 s')
  await clock.advance(1)
  t.equal(FakeSocket.sockets.length, 2)
  FakeSocket.last().open()
  FakeSocket.last().serverClose(1013)
  t.equal(states.at(-1)!.nextRetryMs, 5000, 'the open did not reset the count: 2 s doubled, floored to 5 s')
  await clock.advance(5000)
  for (const expected of [4000, 8000]) {
    FakeSocket.last().serverClose(1006)
    t.equal(states.at(-1)!.nextRetryMs, expected, 'the count kept climbing through the 1013s')
    await clock.advance(expected)
  }
  FakeSocket.last().serverClose(1013)
  t.equal(states.at(-1)!.nextRetryMs, 16000, 'a wait already past the floor is kept')
  socket.close()
})

t.test('a limit, when set, stops the socket; 1008 stops it and reports auth required', async (t) => {
  const limited = setup({ maxAttempts: 2, random: () => 0 })
  limited.socket.connect()
  await flush()
  FakeSocket.last().serverClose(1006)
  await limited.clock.advance(1000)
  FakeSocket.last().serverClose(1006)
  await limited.clock.advance(2000)
  FakeSocket.last().serverClose(1006)
  t.match(limited.states.at(-1), { state: 'stopped', attempt: 3, code: 1006 })
  await limited.clock.advance(60_000)
  t.equal(FakeSocket.sockets.length, 3, 'no more tries')

  let authErrors = 0
  const auth = setup({ onAuthError: () => { authErrors++ } })
  auth.socket.connect()
  await flush()
  FakeSocket.last().open()
  FakeSocket.last().serverClose(1008)
  t.match(auth.states.at(-1), { state: 'auth_required', code: 1008 })
  t.equal(authErrors, 1)
  await auth.clock.advance(120_000)
  t.equal(FakeSocket.sockets.length, 1, 'never retried with the same token')
  auth.socket.connect()
  await flush()
  t.equal(FakeSocket.sockets.length, 2, 'connect() after a new sign-in starts again')

  const none = setup({ token: () => undefined })
  none.socket.connect()
  await flush()
  t.match(none.states.at(-1), { state: 'auth_required', reason: 'no_token' })
  t.equal(FakeSocket.sockets.length, 0)
})

t.test('the generation guard: close() then connect() while token() is pending leaves one socket', async (t) => {
  const pending: Array<(token: string) => void> = []
  const { socket, events } = setup({ token: () => new Promise<string>((resolve) => { pending.push(resolve) }) })
  socket.connect()
  await flush()
  socket.close()
  socket.connect()
  await flush()
  t.equal(pending.length, 2)
  pending[0]!('old')
  pending[1]!('new')
  await flush()
  t.equal(FakeSocket.sockets.length, 1, 'only the latest connect() opened a socket')
  t.same(FakeSocket.last().protocols, ['bearer.new'])
  FakeSocket.last().open()
  FakeSocket.last().message(event('1'))
  t.same(events, ['1'], 'each event once')

  // A socket replaced after a drop never delivers again, even if its events arrive late.
  const first = FakeSocket.last()
  first.serverClose(1006)
  socket.close()
  socket.connect()
  await flush()
  pending.at(-1)!('newer')
  await flush()
  first.message(event('2'))
  first.onclose?.({ code: 1006 })
  t.same(events, ['1'], 'a stale socket is ignored')
  t.equal(socket.status.state, 'connecting')
  socket.close()
})

t.test('bad frames are ignored; a message without id keeps the cursor; the cursor is stored and resumed', async (t) => {
  const store = memoryStore()
  const bad: unknown[] = []
  const { socket, events, clock, states } = setup({ store, onBadFrame: (d) => bad.push(d) })
  socket.connect()
  await flush()
  const ws = FakeSocket.last()
  ws.open()
  ws.message(event('5'))
  for (const frame of ['not json', '[]', 'null', '42', '{"no":"type"}', '{"type":"license_updated","data":{}}', '{"type":"module_activated","id":"6"}']) ws.onmessage?.({ data: frame })
  ws.onmessage?.({ data: new ArrayBuffer(2) })
  ws.message({ type: 'pong', timestamp: 'now' })
  t.equal(bad.length, 8, 'every malformed frame reported and dropped')
  t.same(events, ['5'])
  t.equal(socket.lastEventId, '5', 'frames without an id leave lastEventId alone')
  t.equal(await store.get('lastEventId'), '5', 'the cursor is stored')
  t.equal(states.at(-1)!.state, 'open', 'the socket stays up')
  socket.close()

  // A new socket (a restarted service worker) resumes from the stored cursor.
  const again = setup({ store })
  again.socket.connect()
  await flush()
  t.equal(FakeSocket.last().url, 'ws://hub/ws/license?lastEventId=5')
  FakeSocket.last().open()
  FakeSocket.last().message(event('7'))
  FakeSocket.last().serverClose(1001)
  await again.clock.advance(1000)
  t.equal(FakeSocket.last().url, 'ws://hub/ws/license?lastEventId=7', 'each reconnect resumes after the last event')
  again.socket.close()
  void clock
})

t.test('reloads the license on every open, on resync and on license_*/module_* events, never overlapping', async (t) => {
  let release: (() => void) | undefined
  let reloads = 0
  let resyncs = 0
  const { socket, clock } = setup({
    reload: () => { reloads++; return new Promise<void>((resolve) => { release = resolve }) },
    onResync: () => { resyncs++ },
  })
  socket.connect()
  await flush()
  FakeSocket.last().open()
  t.equal(reloads, 1, 'the open reloads')
  FakeSocket.last().message(event('1', 'module_deactivated', { module: 'sms' }))
  FakeSocket.last().message(event('2', 'license_expiring'))
  FakeSocket.last().message({ type: 'resync' })
  t.equal(reloads, 1, 'no overlap while one reload runs')
  release!()
  await flush()
  t.equal(reloads, 2, 'one more run covers all that came meanwhile')
  release!()
  await flush()
  t.equal(resyncs, 1)
  FakeSocket.last().message(event('3', 'usage_limit_warning'))
  FakeSocket.last().message(event('4', 'session_ended', { sessionId: 's', reason: 'forced' }))
  await flush()
  t.equal(reloads, 2, 'other events do not reload')
  FakeSocket.last().serverClose(1001)
  await clock.advance(1000)
  FakeSocket.last().open()
  t.equal(reloads, 3, 'a reopen reloads')
  release!()
  socket.close()
})

t.test('the pong watchdog replaces a silent socket', async (t) => {
  const { socket, clock, states } = setup({ pingIntervalMs: 20_000, pongTimeoutMs: 10_000 })
  socket.connect()
  await flush()
  const ws = FakeSocket.last()
  ws.open()
  await clock.advance(20_000)
  t.same(ws.sent, ['{"type":"ping"}'])
  ws.message({ type: 'pong', timestamp: 'x' })
  await clock.advance(20_000)
  t.equal(ws.sent.length, 2, 'pings keep going')
  await clock.advance(9_999)
  t.equal(states.at(-1)!.state, 'open')
  await clock.advance(1)
  t.match(states.at(-1), { state: 'reconnecting', reason: 'pong_timeout' })
  t.equal(ws.closedWith, 1000, 'the silent socket is closed')
  t.equal(ws.onmessage, null, 'and cut off')
  await clock.advance(states.at(-1)!.nextRetryMs!)
  t.equal(FakeSocket.sockets.length, 2, 'replaced')
  socket.close()
})

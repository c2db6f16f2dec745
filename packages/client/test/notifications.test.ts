import t from 'tap'
import { NotificationStore, type NotificationState } from '../src/notifications.js'
import { event, FakeClock } from './fakes.js'

t.test('one at a time: info and warning for 6 s, error for 10 s, each counted from when it shows', async (t) => {
  const clock = new FakeClock()
  const store = new NotificationStore({ scheduler: clock })
  const seen: NotificationState[] = []
  const unsubscribe = store.subscribe((s) => seen.push(s))
  const info = store.pushEvent(event('1', 'module_activated', { severity: 'info', message: 'SMS is on' }))!
  const error = store.push({ severity: 'error', message: 'Your license has expired' })
  const warning = store.push({ severity: 'warning', message: '80% of seats in use' })
  t.equal(store.getState().current?.id, info.id, 'the first shows')
  t.same(store.getState().queue.map((n) => n.id), [error.id, warning.id], 'the others wait')
  t.equal(info.type, 'module_activated')

  await clock.advance(5_999)
  t.equal(store.getState().current?.id, info.id, 'info stays just under 6 s')
  await clock.advance(1)
  t.equal(store.getState().current?.id, error.id, 'then the next shows')
  await clock.advance(9_999)
  t.equal(store.getState().current?.id, error.id, 'error stays just under 10 s')
  await clock.advance(1)
  t.equal(store.getState().current?.id, warning.id)
  await clock.advance(6_000)
  t.same(store.getState(), { current: undefined, queue: [] }, 'all dismissed themselves')
  t.ok(seen.length >= 5, 'subscribers saw every change')
  unsubscribe()
  store.push({ severity: 'info', message: 'x' })
  const count = seen.length
  store.clear()
  t.equal(seen.length, count, 'no calls after unsubscribe')
})

t.test('dismiss shows the next at once with its full time; dismiss by id; clear empties everything', async (t) => {
  const clock = new FakeClock()
  const store = new NotificationStore({ scheduler: clock })
  const a = store.push({ severity: 'info', message: 'a' })
  const b = store.push({ severity: 'info', message: 'b' })
  const c = store.push({ severity: 'info', message: 'c' })
  await clock.advance(5_000)
  store.dismiss()
  t.equal(store.getState().current?.id, b.id)
  await clock.advance(5_999)
  t.equal(store.getState().current?.id, b.id, 'the next has its own 6 s, not what was left of the first')
  store.dismiss(c.id)
  t.same(store.getState().queue, [], 'a queued one dismissed by id')
  store.dismiss(a.id) // already gone: nothing happens
  t.equal(store.getState().current?.id, b.id)
  store.push({ severity: 'error', message: 'd' })
  store.clear()
  t.same(store.getState(), { current: undefined, queue: [] })
  t.same(clock.pending(), [], 'no timer left')
  t.equal(store.pushEvent({ ...event('9'), data: { severity: 'info' } as never }), undefined, 'an event without a message makes no toast')
  t.equal(store.push({ severity: 'bogus' as never, message: 'm' }).severity, 'info', 'an unknown severity shows as info')
})

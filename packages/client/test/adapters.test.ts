import t from 'tap'
import { chromeAlarmsScheduler, type ChromeAlarmsLike } from '../src/scheduler.js'
import { chromeStorageStore, memoryStore, type ChromeStorageAreaLike } from '../src/store.js'

function fakeAlarms() {
  const alarms = new Map<string, number>()
  const listeners: Array<(alarm: { name: string }) => void> = []
  const api: ChromeAlarmsLike = {
    create: (name, info) => { alarms.set(name, info.when!) },
    clear: (name) => alarms.delete(name),
    onAlarm: { addListener: (l) => { listeners.push(l) } },
  }
  return { api, alarms, fire: (name: string) => { for (const l of listeners) l({ name }) } }
}

t.test('chromeAlarmsScheduler: timers while the worker lives, an alarm for the waits that must wake it', async (t) => {
  const fake = fakeAlarms()
  const scheduler = chromeAlarmsScheduler({ alarms: fake.api })
  let short = 0
  scheduler.schedule('short', 5, () => { short++ })
  t.notOk(fake.alarms.has('license-hub:short'), 'a wait without wake needs no alarm')
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.equal(short, 1, 'the timer ran it')

  let long = 0
  let retried = 0
  scheduler.schedule('retry', 5, () => { retried++ }, { wake: true })
  t.ok(fake.alarms.has('license-hub:retry'), 'even a short wake wait sets an alarm')
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.equal(retried, 1, 'the timer came first')
  t.notOk(fake.alarms.has('license-hub:retry'), 'and cleared the alarm')

  scheduler.schedule('long', 45_000, () => { long++ }, { wake: true })
  const when = fake.alarms.get('license-hub:long')
  t.ok(when && when >= Date.now() + 44_000, 'an alarm wakes the worker if it is stopped meanwhile')
  fake.fire('license-hub:long')
  t.equal(long, 1, 'the alarm runs the wait when it comes first')
  t.notOk(fake.alarms.has('license-hub:long'), 'and is cleared')
  fake.fire('license-hub:long')
  t.equal(long, 1, 'once only')

  scheduler.schedule('cancelled', 60_000, () => { long++ }, { wake: true })
  scheduler.cancel('cancelled')
  t.notOk(fake.alarms.has('license-hub:cancelled'))
  fake.fire('license-hub:cancelled')
  fake.fire('other-extension-alarm')
  t.equal(long, 1, 'cancelled waits and foreign alarms run nothing')

  scheduler.schedule('replaced', 60_000, () => { long += 10 }, { wake: true })
  scheduler.schedule('replaced', 1, () => { long += 100 })
  t.notOk(fake.alarms.has('license-hub:replaced'), 'a replacement without wake drops the alarm')
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.equal(long, 101, 'only the replacement ran')
  t.throws(() => chromeAlarmsScheduler(), /chrome.alarms is not available/, 'outside an extension it says what is missing')
})

t.test('chromeStorageStore keeps values under a prefix; memoryStore the same in memory', async (t) => {
  const data: Record<string, unknown> = {}
  const area: ChromeStorageAreaLike = {
    get: async (key) => (key in data ? { [key]: data[key] } : {}),
    set: async (items) => { Object.assign(data, items) },
    remove: async (key) => { delete data[key] },
  }
  for (const store of [chromeStorageStore({ area }), memoryStore()]) {
    t.equal(await store.get('lastEventId'), undefined)
    await store.set('lastEventId', '42')
    await store.set('seat', { sessionId: 's', heartbeatIntervalSec: 30 })
    t.equal(await store.get('lastEventId'), '42')
    t.same(await store.get('seat'), { sessionId: 's', heartbeatIntervalSec: 30 })
    await store.remove('seat')
    t.equal(await store.get('seat'), undefined)
  }
  t.same(Object.keys(data), ['license-hub:lastEventId'], 'chrome.storage holds prefixed keys')
})

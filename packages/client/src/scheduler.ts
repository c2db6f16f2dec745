/**
 * Named waits. A name holds at most one wait: scheduling it again replaces the previous one.
 * Plain timers everywhere; `chromeAlarmsScheduler` adds an alarm that wakes an MV3 service worker
 * which was stopped while it waited.
 */
export interface ScheduleOptions {
  /**
   * The wait must happen even if an MV3 service worker is stopped meanwhile (a reconnect, a
   * heartbeat): the alarms scheduler then also sets an alarm that starts the worker again.
   */
  wake?: boolean
}

export interface Scheduler {
  schedule(name: string, delayMs: number, run: () => void, options?: ScheduleOptions): void
  cancel(name: string): void
  /** Milliseconds since some fixed point (Date.now() by default). */
  now(): number
}

export function timerScheduler(): Scheduler {
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  return {
    schedule(name, delayMs, run) {
      const previous = timers.get(name)
      if (previous !== undefined) clearTimeout(previous)
      timers.set(name, setTimeout(() => {
        timers.delete(name)
        run()
      }, Math.max(0, delayMs)))
    },
    cancel(name) {
      const previous = timers.get(name)
      if (previous !== undefined) clearTimeout(previous)
      timers.delete(name)
    },
    now: () => Date.now(),
  }
}

/** The part of `chrome.alarms` used here (so no @types/chrome is needed). */
export interface ChromeAlarmsLike {
  create(name: string, info: { when?: number; delayInMinutes?: number }): unknown
  clear(name: string): unknown
  onAlarm: { addListener(listener: (alarm: { name: string }) => void): void }
}

export interface ChromeAlarmsSchedulerOptions {
  /** Defaults to `globalThis.chrome.alarms`. */
  alarms?: ChromeAlarmsLike
  /** Alarm names are `<prefix><name>` (default `license-hub:`). */
  prefix?: string
}

/**
 * For an MV3 service worker: each wait runs on a timer while the worker lives; a wait scheduled
 * with `wake` (reconnects, heartbeats) also sets a `chrome.alarms` alarm, which starts the worker
 * again if Chrome stopped it meanwhile (Chrome fires an alarm 30 s after its creation at the
 * soonest, so a shorter wait runs on time while the worker lives, and within 30 s otherwise).
 * Create it at the top level of the worker script (Chrome requires the onAlarm listener to be added
 * there). An alarm whose wait is gone (the worker restarted) only wakes the worker: its top-level
 * code starts the seat keeper and the socket again from the stored session and cursor.
 */
export function chromeAlarmsScheduler(options: ChromeAlarmsSchedulerOptions = {}): Scheduler {
  const alarms = options.alarms ?? (globalThis as unknown as { chrome?: { alarms?: ChromeAlarmsLike } }).chrome?.alarms
  if (!alarms) throw new Error('chrome.alarms is not available: add the "alarms" permission to the manifest')
  const prefix = options.prefix ?? 'license-hub:'
  const timers = timerScheduler()
  const pending = new Map<string, () => void>()
  const fire = (name: string) => {
    const run = pending.get(name)
    if (!run) return
    pending.delete(name)
    timers.cancel(name)
    void alarms.clear(prefix + name)
    run()
  }
  alarms.onAlarm.addListener((alarm) => {
    if (alarm.name.startsWith(prefix)) fire(alarm.name.slice(prefix.length))
  })
  return {
    schedule(name, delayMs, run, scheduleOptions) {
      pending.set(name, run)
      timers.schedule(name, delayMs, () => fire(name))
      if (scheduleOptions?.wake) void alarms.create(prefix + name, { when: Date.now() + delayMs })
      else void alarms.clear(prefix + name)
    },
    cancel(name) {
      pending.delete(name)
      timers.cancel(name)
      void alarms.clear(prefix + name)
    },
    now: () => Date.now(),
  }
}

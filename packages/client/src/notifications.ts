import { timerScheduler, type Scheduler } from './scheduler.js'
import type { LicenseEventMessage, Severity } from './wire.js'

export interface LicenseNotification {
  id: number
  severity: Severity
  message: string
  /** The event type it came from, when it came from one. */
  type?: string
  createdAt: number
}

export interface NotificationState {
  /** The one shown now. */
  current: LicenseNotification | undefined
  /** Waiting their turn, oldest first. */
  queue: LicenseNotification[]
}

export interface NotificationStoreOptions {
  scheduler?: Scheduler
  /** How long each severity stays (default info and warning 6 s, error 10 s). */
  durations?: Partial<Record<Severity, number>>
  /** Prefix of the store's scheduler name (default `notifications`). */
  name?: string
}

export const DEFAULT_DURATIONS: Record<Severity, number> = { info: 6_000, warning: 6_000, error: 10_000 }

const SEVERITIES: readonly string[] = ['info', 'warning', 'error']

/**
 * The seed's toast queue without its framework: one notification shown at a time, each dismissed
 * by itself after its severity's duration (counted from when it is shown), or by `dismiss()`.
 */
export class NotificationStore {
  private readonly scheduler: Scheduler
  private readonly durations: Record<Severity, number>
  private readonly timer: string
  private readonly listeners = new Set<(state: NotificationState) => void>()
  private state: NotificationState = { current: undefined, queue: [] }
  private nextId = 1

  constructor(options: NotificationStoreOptions = {}) {
    this.scheduler = options.scheduler ?? timerScheduler()
    this.durations = { ...DEFAULT_DURATIONS, ...options.durations }
    this.timer = `${options.name ?? 'notifications'}:dismiss`
  }

  getState(): NotificationState { return this.state }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (state: NotificationState) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  push(input: { severity: Severity; message: string; type?: string }): LicenseNotification {
    const notification: LicenseNotification = {
      id: this.nextId++, severity: SEVERITIES.includes(input.severity) ? input.severity : 'info', message: input.message,
      ...(input.type ? { type: input.type } : {}), createdAt: this.scheduler.now(),
    }
    if (this.state.current) this.set({ current: this.state.current, queue: [...this.state.queue, notification] })
    else this.show(notification, this.state.queue)
    return notification
  }

  /** A license event as a notification (its `data.severity` and `data.message`); others are ignored. */
  pushEvent(event: LicenseEventMessage): LicenseNotification | undefined {
    const { severity, message } = event.data ?? {}
    if (typeof message !== 'string' || !message) return undefined
    return this.push({ severity: severity as Severity, message, type: event.type })
  }

  /** Dismisses the one shown (or the one with `id`, shown or queued); the next one shows. */
  dismiss(id?: number): void {
    const { current, queue } = this.state
    if (id !== undefined && current?.id !== id) {
      this.set({ current, queue: queue.filter((n) => n.id !== id) })
      return
    }
    this.scheduler.cancel(this.timer)
    const [next, ...rest] = queue
    if (next) this.show(next, rest)
    else this.set({ current: undefined, queue: [] })
  }

  clear(): void {
    this.scheduler.cancel(this.timer)
    this.set({ current: undefined, queue: [] })
  }

  private show(notification: LicenseNotification, queue: LicenseNotification[]): void {
    this.set({ current: notification, queue })
    this.scheduler.schedule(this.timer, this.durations[notification.severity], () => {
      if (this.state.current?.id === notification.id) this.dismiss()
    })
  }

  private set(state: NotificationState): void {
    this.state = state
    for (const listener of this.listeners) listener(state)
  }
}

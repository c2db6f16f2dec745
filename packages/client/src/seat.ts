import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import { LicenseHubError } from './errors.js'
import type { LicenseHubRest } from './rest.js'
import { timerScheduler, type Scheduler } from './scheduler.js'
import type { KeyValueStore } from './store.js'
import type { LicenseEventMessage, LicenseSummary, SessionEndReason } from './wire.js'

/**
 * idle: not holding a seat (not started, or stopped); active: holding one;
 * refused: the server said no (`code`, e.g. USER_LIMIT_REACHED, or CONCURRENT_SESSION with
 * `canForce`, or UNAUTHORIZED: sign in again); lost: the seat could not be confirmed (network,
 * server down, or the lease lapsed) and the keeper is getting it back; ended: the server ended it
 * (`reason`: forced by another device, revoked by an admin, allocation lowered).
 */
export type SeatState = 'idle' | 'active' | 'refused' | 'lost' | 'ended'

export interface SeatStatus {
  state: SeatState
  sessionId?: string
  expiresAt?: string
  activeSessions?: number
  webrtcMaxUsers?: number
  /** refused / lost: the error code (NETWORK_ERROR when the server could not be reached). */
  code?: string
  message?: string
  /** refused with CONCURRENT_SESSION: `force()` takes the seat from the other device. */
  canForce?: boolean
  /** ended: why. */
  reason?: SessionEndReason
  /** lost: when the next try happens. */
  nextRetryMs?: number
}

export interface SeatKeeperOptions {
  rest: LicenseHubRest
  /** Identifies this browser profile; kept stable across restarts (e.g. stored once). */
  deviceId: string | (() => string | Promise<string>)
  /** Keeps the session (`seat` key) so a restarted service worker resumes it instead of asking again. */
  store?: KeyValueStore
  scheduler?: Scheduler
  onStateChange?: (status: SeatStatus) => void
  /** Every heartbeat answers with the license in force. */
  onLicense?: (license: LicenseSummary) => void
  /** A 401: the token expired or was revoked; sign in again, then `start()`. */
  onAuthRequired?: () => void
  /** Waits between tries while `lost` (default 1 s doubling to 30 s, jittered). */
  backoff?: Partial<BackoffOptions>
  random?: () => number
  /** Prefix of this keeper's scheduler names (default `seat`). */
  name?: string
}

interface StoredSeat { sessionId: string; heartbeatIntervalSec: number }

const SEAT_KEY = 'seat'

/**
 * Takes a seat (create-session), keeps it with heartbeats (validate-session) at the server's
 * `heartbeatIntervalSec`, gives it back on `stop()` (end-session). After a lapse it takes a seat
 * again; after forced, revoked or allocation it does not. Feed it the socket's events
 * (`handleEvent`) so its own `session_ended` stops it at once.
 */
export class SeatKeeper {
  private readonly options: SeatKeeperOptions
  private readonly scheduler: Scheduler
  private readonly backoff: BackoffOptions
  private readonly timer: string
  private current: SeatStatus = { state: 'idle' }
  private seat: StoredSeat | undefined
  private epoch = 0
  private running = false
  private failures = 0

  constructor(options: SeatKeeperOptions) {
    this.options = options
    this.scheduler = options.scheduler ?? timerScheduler()
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff }
    this.timer = `${options.name ?? 'seat'}:heartbeat`
  }

  get status(): SeatStatus { return this.current }
  get sessionId(): string | undefined { return this.seat?.sessionId }

  /** Takes the seat, or resumes the stored session. Resolves once the first answer is in. */
  async start(): Promise<SeatStatus> {
    const epoch = this.begin()
    if (!this.seat) this.seat = await this.options.store?.get<StoredSeat>(SEAT_KEY)
    if (epoch !== this.epoch) return this.current
    if (this.seat) await this.heartbeat(epoch)
    else await this.admit(epoch, false)
    return this.current
  }

  /** Takes the seat over from this user's other device (after a CONCURRENT_SESSION refusal). */
  async force(): Promise<SeatStatus> {
    const epoch = this.begin()
    await this.admit(epoch, true)
    return this.current
  }

  /** Gives the seat back (end-session) and goes idle. */
  async stop(): Promise<void> {
    this.running = false
    this.epoch++
    this.scheduler.cancel(this.timer)
    const seat = this.seat
    await this.forget()
    this.setState({ state: 'idle' })
    // Best effort: a seat whose end is not heard lapses on the server with its lease.
    if (seat) await this.options.rest.endSession(seat.sessionId).catch(() => {})
  }

  /**
   * Stops heartbeats without ending the session, which stays stored: another keeper with the same
   * store (e.g. after a token refresh) resumes it with `start()`.
   */
  suspend(): void {
    this.running = false
    this.epoch++
    this.scheduler.cancel(this.timer)
  }

  /** The socket's events: this seat's `session_ended` ends it (or re-admits after `expired`). */
  handleEvent(event: LicenseEventMessage): void {
    if (event.type !== 'session_ended' || !this.seat || event.data.sessionId !== this.seat.sessionId) return
    const reason = event.data.reason as SessionEndReason
    const epoch = ++this.epoch
    this.scheduler.cancel(this.timer)
    void this.forget()
    if (reason === 'expired' && this.running) {
      this.setState({ state: 'lost', code: 'SESSION_NOT_FOUND', message: event.data.message })
      void this.admit(epoch, false)
      return
    }
    this.running = false
    this.setState({ state: 'ended', reason, message: event.data.message })
  }

  private begin(): number {
    this.running = true
    this.failures = 0
    this.scheduler.cancel(this.timer)
    return ++this.epoch
  }

  private setState(status: SeatStatus): void {
    this.current = status
    this.options.onStateChange?.(status)
  }

  private async forget(): Promise<void> {
    this.seat = undefined
    // A store that cannot forget leaves a stale seat, which the next start validates and drops.
    await this.options.store?.remove(SEAT_KEY).catch(() => {})
  }

  private async deviceId(): Promise<string> {
    const { deviceId } = this.options
    return typeof deviceId === 'function' ? deviceId() : deviceId
  }

  private async admit(epoch: number, force: boolean, afterLoss = false): Promise<void> {
    try {
      const grant = await this.options.rest.createSession({ deviceId: await this.deviceId(), ...(force ? { force: true } : {}) })
      if (epoch !== this.epoch) return
      this.failures = 0
      this.seat = { sessionId: grant.sessionId, heartbeatIntervalSec: grant.heartbeatIntervalSec }
      // A store that cannot write costs only the resume after a restart: the seat itself is held.
      await this.options.store?.set(SEAT_KEY, this.seat).catch(() => {})
      this.setState({ state: 'active', sessionId: grant.sessionId, expiresAt: grant.expiresAt, activeSessions: grant.activeSessions, webrtcMaxUsers: grant.webrtcMaxUsers })
      this.scheduleHeartbeat(epoch)
    } catch (err) {
      if (epoch !== this.epoch) return
      const error = toError(err)
      if (error.retryable) return this.retry(epoch, error, () => this.admit(epoch, force, afterLoss))
      this.running = false
      if (error.code === 'CONCURRENT_SESSION' && afterLoss) {
        // Our seat vanished and this user's other device holds one now: it was taken from us.
        this.setState({ state: 'ended', reason: 'forced', message: error.message })
        return
      }
      this.refused(error)
    }
  }

  private async heartbeat(epoch: number): Promise<void> {
    const seat = this.seat
    if (!seat) return this.admit(epoch, false)
    try {
      const answer = await this.options.rest.validateSession(seat.sessionId)
      if (epoch !== this.epoch) return
      this.failures = 0
      if (answer.valid) {
        this.setState({ state: 'active', sessionId: seat.sessionId, expiresAt: answer.expiresAt, activeSessions: answer.activeSessions, webrtcMaxUsers: answer.webrtcMaxUsers })
        this.options.onLicense?.(answer.license)
        this.scheduleHeartbeat(epoch)
        return
      }
      await this.forget()
      if (answer.code === 'SESSION_NOT_FOUND') {
        // The lease lapsed (asleep, offline): take a seat again.
        this.setState({ state: 'lost', code: answer.code, message: answer.message })
        return this.admit(epoch, false, true)
      }
      this.running = false
      this.setState({ state: 'refused', code: answer.code, message: answer.message })
    } catch (err) {
      if (epoch !== this.epoch) return
      const error = toError(err)
      if (error.retryable) return this.retry(epoch, error, () => this.heartbeat(epoch))
      this.running = false
      this.refused(error)
    }
  }

  private refused(error: LicenseHubError): void {
    if (error.status === 401) void this.forget()
    this.setState({
      state: 'refused', code: error.code, message: error.message,
      ...(error.code === 'CONCURRENT_SESSION' ? { canForce: true } : {}),
    })
    if (error.status === 401) this.options.onAuthRequired?.()
  }

  private retry(epoch: number, error: LicenseHubError, again: () => Promise<void>): void {
    this.failures++
    const delay = backoffDelay(this.failures, this.backoff, this.options.random)
    this.setState({ ...this.current, state: 'lost', code: error.code, message: error.message, nextRetryMs: delay })
    this.scheduler.schedule(this.timer, delay, () => { if (epoch === this.epoch) void again() }, { wake: true })
  }

  private scheduleHeartbeat(epoch: number): void {
    const seconds = this.seat?.heartbeatIntervalSec ?? 30
    this.scheduler.schedule(this.timer, seconds * 1000, () => { if (epoch === this.epoch) void this.heartbeat(epoch) }, { wake: true })
  }
}

function toError(err: unknown): LicenseHubError {
  if (err instanceof LicenseHubError) return err
  return new LicenseHubError(0, 'NETWORK_ERROR', err instanceof Error ? err.message : String(err), { cause: err })
}

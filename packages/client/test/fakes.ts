import type { Scheduler } from '../src/scheduler.js'
import type { SocketLike } from '../src/socket.js'
import type { LicenseEventMessage, LicenseEventType } from '../src/wire.js'

/** A scheduler on a clock that moves only when the test says so. */
export class FakeClock implements Scheduler {
  at = 0
  private waits = new Map<string, { due: number; run: () => void }>()
  schedule(name: string, delayMs: number, run: () => void): void { this.waits.set(name, { due: this.at + delayMs, run }) }
  cancel(name: string): void { this.waits.delete(name) }
  now(): number { return this.at }
  /** When `name` is due, or undefined. */
  due(name: string): number | undefined { return this.waits.get(name)?.due }
  pending(): string[] { return [...this.waits.keys()] }
  /** Moves the clock, running every wait that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.at + ms
    for (;;) {
      let next: [string, { due: number; run: () => void }] | undefined
      for (const entry of this.waits) if (entry[1].due <= end && (!next || entry[1].due < next[1].due)) next = entry
      if (!next) break
      this.waits.delete(next[0])
      this.at = next[1].due
      next[1].run()
      await flush()
    }
    this.at = end
    await flush()
  }
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

/** A WebSocket the test drives: `sockets` lists every one constructed. */
export class FakeSocket implements SocketLike {
  static sockets: FakeSocket[] = []
  sent: string[] = []
  closedWith: number | undefined
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  constructor(readonly url: string, readonly protocols?: string | string[]) { FakeSocket.sockets.push(this) }
  send(data: string): void { this.sent.push(data) }
  close(code?: number): void { this.closedWith = code ?? 1005 }
  open(): void { this.onopen?.({}) }
  message(data: unknown): void { this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) }) }
  serverClose(code: number): void { this.onclose?.({ code }) }
  static last(): FakeSocket {
    const socket = FakeSocket.sockets.at(-1)
    if (!socket) throw new Error('no socket was opened')
    return socket
  }

  static reset(): void { FakeSocket.sockets = [] }
}

export function event(id: string, type: LicenseEventType = 'license_updated', data: Record<string, unknown> = {}): LicenseEventMessage {
  return { id, type, tenantId: 't', timestamp: new Date(0).toISOString(), data: { severity: 'info', message: `event ${id}`, ...data } } as LicenseEventMessage
}

import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { harnessEnv } from '@license-hub/test-support'

/** What a fault test held: every figure but `requests` and `unavailable` must be 0. */
export interface FaultReport {
  fault: string
  requests: number
  /** 503 SERVICE_UNAVAILABLE answers (the contract's answer while a dependency is away), each with Retry-After. */
  unavailable: number
  /** Any other 5xx, or a 503 without Retry-After, or an answer slower than 5 s. */
  errors5xx: number
  slow: number
  lostSessions: number
  overAdmissions: number
}

export interface Seat { sessionId: string; headers: Record<string, string> }

/** Heartbeats of every seat, back to back, until stopped; counts answers by kind. */
export function heartbeatTraffic(app: FastifyInstance, seats: Seat[]) {
  const report = { requests: 0, unavailable: 0, errors5xx: 0, slow: 0, lastValid: new Map<string, boolean>() }
  let running = true
  const loops = seats.map(async (seat) => {
    while (running) {
      const started = Date.now()
      const res = await app.inject({ method: 'POST', url: '/api/licenses/validate-session', headers: seat.headers, payload: { sessionId: seat.sessionId } })
      report.requests++
      if (Date.now() - started > 5_000) report.slow++
      if (res.statusCode === 503 && res.headers['retry-after'] !== undefined && res.json().code === 'SERVICE_UNAVAILABLE') report.unavailable++
      else if (res.statusCode >= 500) report.errors5xx++
      else if (res.statusCode === 200) report.lastValid.set(seat.sessionId, res.json().valid === true)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })
  return {
    report,
    stop: async () => {
      running = false
      await Promise.all(loops)
      return report
    },
  }
}

/** One line per fault into the run's report, which `npm run test:chaos` prints at its end (the figures README quotes). */
export function printReport(report: FaultReport): void {
  appendFileSync(join(harnessEnv().tmp, 'chaos-report.jsonl'), `${JSON.stringify(report)}\n`)
}

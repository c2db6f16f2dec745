import { setTimeout as sleep } from 'node:timers/promises'
import { loadConfig } from '@license-hub/config'
import type { QueueName } from '@license-hub/redis'
import { startWorker, type RunningWorker } from '@license-hub/worker'
import { testSecrets } from '../../../../test/helpers/app.js'
import { harnessEnv } from '../../../../test/helpers/env.js'
import { captureLog, type CapturedLog } from '../../../../test/helpers/captured-log.js'

type Teardown = { teardown: (fn: () => unknown) => void }

export interface TestWorker extends RunningWorker { log: CapturedLog }

export interface TestWorkerOptions {
  databaseUrl: string
  redisPrefix: string
  env?: NodeJS.ProcessEnv
  schedules?: Partial<Record<QueueName, number>>
  scheduleCheckMs?: number
  now?: () => Date
}

const HOUR = 3_600_000

/** An in-process worker on the test's database and prefix; jobs not under test are scheduled an hour away. */
export async function startTestWorker(t: Teardown, options: TestWorkerOptions): Promise<TestWorker> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...options.env })
  const log = captureLog('worker', 'info')
  const worker = await startWorker({
    config, secrets: testSecrets(), redisUrl: harnessEnv().redisUrl, databaseUrl: options.databaseUrl, redisPrefix: options.redisPrefix,
    logger: log.logger, now: options.now,
    schedules: { sync: HOUR, 'expiry-scan': HOUR, 'session-cleanup': HOUR, 'event-retention': HOUR, ...options.schedules },
    scheduleCheckMs: options.scheduleCheckMs,
    licenseServer: { connectTimeoutMs: 300, responseTimeoutMs: 300, retries: 0, retryDelayMs: 10 },
    closeDeadlineMs: 5_000,
  })
  t.teardown(() => worker.close())
  return Object.assign(worker, { log })
}

/** Polls until `check` returns a truthy value (or throws after `ms`). */
export async function waitFor<T>(check: () => T | Promise<T>, ms = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Completed jobs of a queue, as the worker logged them. */
export function completed(worker: TestWorker, queue: QueueName): Array<{ jobId: string; reason?: string; result?: unknown }> {
  return worker.log.lines.filter((l) => l.msg === 'job completed' && l.queue === queue) as never
}

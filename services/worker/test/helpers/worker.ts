import { loadConfig } from '@license-hub/config'
import type { QueueName } from '@license-hub/redis/queues'
import { startWorker, type RunningWorker } from '@license-hub/worker'
import { type CapturedLog, captureLog, harnessEnv, testSecrets } from '@license-hub/test-support'

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

/** Completed jobs of a queue, as the worker logged them. */
export function completed(worker: TestWorker, queue: QueueName): Array<{ jobId: string; reason?: string; result?: unknown }> {
  return worker.log.lines.filter((l) => l.msg === 'job completed' && l.queue === queue) as never
}

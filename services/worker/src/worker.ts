import { setTimeout as sleep } from 'node:timers/promises'
import { Worker, type Processor } from 'bullmq'
import type { Config, Logger } from '@license-hub/config'
import { createDb } from '@license-hub/db'
import { createLicenseServerClient, type LicenseServerOptions } from '@license-hub/license-server'
import { createLicensingContext, type LicensingContext, type Secrets } from '@license-hub/licensing'
import { closeRedis, createRedis, type RedisTarget } from '@license-hub/redis'
import { createQueue, queueConnection, queueOptions, QUEUE_NAMES, SCHEDULED_JOB_OPTIONS, type QueueName } from '@license-hub/redis/queues'
import { processors } from './jobs.js'
import { DEFAULT_SCHEDULES, ensureSchedules, type Queues } from './schedules.js'

export interface StartWorkerOptions {
  config: Config
  secrets: Secrets
  redisUrl: RedisTarget
  databaseUrl: string
  redisPrefix?: string
  logger: Logger
  now?: () => Date
  /** Job intervals in ms (tests shorten them); defaults: sync 5 min, expiry scan 1 h, cleanup 1 min, event retention 1 day. */
  schedules?: Partial<Record<QueueName, number>>
  /** How often a worker checks that every scheduler still exists (default 60 s). */
  scheduleCheckMs?: number
  /** Timeouts and retries of the external client (tests shorten them). */
  licenseServer?: Omit<LicenseServerOptions, 'url' | 'apiKey'>
  /** How long close() waits for running jobs before it stops anyway (default 25 s). */
  closeDeadlineMs?: number
  /**
   * BullMQ's stalled-job timings (tests shorten them). A job whose worker died is taken up again
   * once its lock has run out (default per queue below) and a stalled check (every 30 s) saw it twice.
   */
  lockDurationMs?: number
  stalledIntervalMs?: number
}

export interface RunningWorker {
  ctx: LicensingContext
  queues: Queues
  /** Stops taking jobs, waits for the running ones up to the deadline, then releases everything. */
  close(): Promise<void>
}

// BullMQ renews a running job's lock every lockDuration / 2 while its worker lives, so a slow sync
// keeps it; a short lock lets another worker recover the job of a crashed one within a minute.
const LOCK_DURATION_MS = 30_000

/** Starts BullMQ workers for the sync, the expiry scan and session cleanup, and keeps their schedulers. */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const log = options.logger
  const db = createDb(options.databaseUrl, { max: 5 })
  const redis = createRedis(options.redisUrl, 'command')
  const bull = queueConnection(options.redisUrl, 'queue-worker')
  for (const connection of [redis, bull]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'))

  const ctx = createLicensingContext({
    config: options.config, secrets: options.secrets, db, redis, log, redisPrefix: options.redisPrefix, now: options.now,
  })
  const keys = ctx.keys
  const server = options.config.licenseServer
  const client = server ? createLicenseServerClient({ ...options.licenseServer, url: server.url, apiKey: server.apiKey }) : undefined
  if (!client) log.info({ code: 'LOCAL_MODE' }, 'LICENSE_MGMT_API_URL is not set: no external sync, local licenses apply')

  const queues = Object.fromEntries(QUEUE_NAMES.map((name) => [name, createQueue(name, bull, keys)])) as Queues
  const run = processors(ctx, client)
  const workers = QUEUE_NAMES.map((name) => {
    const worker = new Worker(name, run[name] as Processor, {
      ...queueOptions(bull, keys), concurrency: 1, lockDuration: options.lockDurationMs ?? LOCK_DURATION_MS,
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
    })
    worker.on('completed', (job, result) => log.info({ queue: name, jobId: job.id, reason: job.data?.reason, result, code: 'JOB_DONE' }, 'job completed'))
    worker.on('failed', (job, err) => log.warn({ queue: name, jobId: job?.id, attemptsMade: job?.attemptsMade, err, code: 'JOB_FAILED' }, 'job failed'))
    worker.on('error', (err) => log.warn({ err, queue: name }, 'worker error'))
    return worker
  })

  const every = { ...DEFAULT_SCHEDULES, ...options.schedules }
  const keepSchedules = async () => {
    const { locked, created } = await ensureSchedules(queues, redis, keys, every, log)
    return { locked, created }
  }
  const first = await keepSchedules()
  // A new `every` scheduler runs at once; an existing one would wait for its next tick, so the
  // worker asks for one sync now. Deduplicated, so workers starting together sync once.
  if (first.locked && !first.created.includes('sync')) {
    await queues.sync.add('sync', { reason: 'start' }, { ...SCHEDULED_JOB_OPTIONS, deduplication: { id: 'sync:start', ttl: 60_000 } })
  }
  const timer = setInterval(() => {
    keepSchedules().catch((err: unknown) => log.warn({ err }, 'job schedulers not checked'))
  }, options.scheduleCheckMs ?? 60_000)
  timer.unref()
  log.info({ queues: QUEUE_NAMES, schedules: every, externalServer: Boolean(client) }, 'worker running')

  let closing: Promise<void> | undefined
  const close = async () => {
    clearInterval(timer)
    const deadline = options.closeDeadlineMs ?? 25_000
    const graceful = Promise.all(workers.map((w) => w.close())).then(() => true)
    if (!await Promise.race([graceful, sleep(deadline, false, { ref: false })])) {
      log.warn({ deadlineMs: deadline }, 'jobs still running at the close deadline: stopping anyway (they will be picked up again)')
      await Promise.all(workers.map((w) => w.close(true)))
    }
    await Promise.allSettled(Object.values(queues).map((q) => q.close()))
    await client?.close()
    await Promise.allSettled([closeRedis(bull), closeRedis(redis), db.destroy()])
  }
  return { ctx, queues, close: () => (closing ??= close()) }
}

import type { Logger } from '@license-hub/config'
import { withLock, type RedisClient, type RedisKeys } from '@license-hub/redis'
import { QUEUE_NAMES, SCHEDULED_JOB_OPTIONS, type QueueName, type TypedQueue } from '@license-hub/redis/queues'

export type Queues = { [N in QueueName]: TypedQueue<N> }

/** How often each job runs: the contract's sync every 5 minutes, the expiry scan hourly, cleanup every minute, event retention daily. */
export const DEFAULT_SCHEDULES: Record<QueueName, number> = {
  sync: 5 * 60_000,
  'expiry-scan': 60 * 60_000,
  'session-cleanup': 60_000,
  'event-retention': 24 * 60 * 60_000,
}

/** Long enough for a handful of upserts; bounds how long a worker that died holding it blocks the others. */
const LOCK_TTL_MS = 10_000

export interface EnsureResult {
  /** False when another worker holds the lock and is doing this right now. */
  locked: boolean
  /** Schedulers that did not exist and were created (a new `every` scheduler runs at once). */
  created: QueueName[]
}

/**
 * Upserts each job scheduler that is missing or has another interval. Several workers upserting
 * at the same boot have lost or duplicated schedules (bullmq issues 3085, 3381, 2988), so only
 * the holder of a short Redis lock does it; the others check again later.
 */
export async function ensureSchedules(
  queues: Queues, redis: RedisClient, keys: RedisKeys, every: Record<QueueName, number>, log: Logger
): Promise<EnsureResult> {
  const held = await withLock(redis, keys.lock('job-schedulers'), LOCK_TTL_MS, async () => {
    const created: QueueName[] = []
    for (const name of QUEUE_NAMES) {
      const queue = queues[name] as TypedQueue<QueueName>
      const existing = await queue.getJobScheduler(name)
      if (existing && existing.every === every[name]) continue
      await queue.upsertJobScheduler(name, { every: every[name] }, { name, data: { reason: 'schedule' }, opts: SCHEDULED_JOB_OPTIONS })
      if (!existing) created.push(name)
      log.info({ queue: name, everyMs: every[name], code: existing ? 'SCHEDULE_UPDATED' : 'SCHEDULE_CREATED' }, 'job scheduler upserted')
    }
    return created
  })
  return held ? { locked: true, created: held.value } : { locked: false, created: [] }
}

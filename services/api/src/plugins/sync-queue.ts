import fp from 'fastify-plugin'
import type { QueueEvents } from 'bullmq'
import type { SyncOutcome } from '@license-hub/contract'
import { closeRedis, type RedisClient } from '@license-hub/redis'
import type * as Queues from '@license-hub/redis/queues'

declare module 'fastify' {
  interface FastifyInstance {
    /** The worker's sync queue, as a producer: POST /api/licenses/sync asks it for a sync and waits. */
    syncQueue: SyncQueue
  }
}

export interface SyncQueue {
  /** Queues a manual sync for the worker and waits up to `waitMs` for its outcome (rejects when none came). */
  run(requestedBy: string, waitMs: number): Promise<SyncOutcome>
}

interface Open { queue: Queues.TypedQueue<'sync'>; events: QueueEvents; connections: RedisClient[]; queueManualSync: typeof Queues.queueManualSync }

/**
 * BullMQ's producer and event-listener connections, opened on first use and closed with the app.
 * BullMQ itself is loaded then too (a dynamic import, a chunk of its own in the image's bundle):
 * an api node that never syncs neither holds the connections nor compiles BullMQ's code at start.
 */
export default fp(async (app) => {
  let open: Promise<Open> | undefined
  const connect = async (): Promise<Open> => {
    const { createQueue, createQueueEvents, queueConnection, queueManualSync } = await import('@license-hub/redis/queues')
    const producer = queueConnection(app.redis, 'queue-producer')
    const listener = queueConnection(app.redis, 'queue-worker')
    for (const c of [producer, listener]) c.on('error', (err) => app.log.warn({ err }, 'queue connection error'))
    const keys = app.licensing.keys
    const queue = createQueue('sync', producer, keys)
    return { queue, events: createQueueEvents('sync', listener, keys), connections: [producer, listener], queueManualSync }
  }
  app.decorate('syncQueue', {
    async run(requestedBy, waitMs) {
      // A failed start (BullMQ's chunk not loaded: a node out of file descriptors, say) is not
      // kept: the next manual sync tries again instead of failing until the node restarts.
      open ??= connect().catch((err: unknown) => {
        open = undefined
        throw err
      })
      const { queue, events, queueManualSync } = await open
      const job = await queueManualSync(queue, requestedBy)
      return await job.waitUntilFinished(events, waitMs) as SyncOutcome
    },
  } satisfies SyncQueue)
  app.addHook('onClose', async () => {
    const opened = await open?.catch(() => undefined)
    if (!opened) return
    await Promise.allSettled([opened.queue.close(), opened.events.close()])
    await Promise.allSettled(opened.connections.map((c) => closeRedis(c)))
  })
}, { name: 'sync-queue', dependencies: ['storage', 'licensing'] })

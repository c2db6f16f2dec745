import fp from 'fastify-plugin'
import type { QueueEvents } from 'bullmq'
import type { SyncOutcome } from '@license-hub/contract'
import { closeRedis, createQueue, createQueueEvents, queueConnection, queueManualSync, type RedisClient, type TypedQueue } from '@license-hub/redis'

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

interface Open { queue: TypedQueue<'sync'>; events: QueueEvents; connections: RedisClient[] }

/** BullMQ's producer and event-listener connections, opened on first use and closed with the app. */
export default fp(async (app) => {
  let open: Open | undefined
  // Created on first use: an api node that never syncs holds no extra connections.
  const connect = (): Open => {
    if (!open) {
      const producer = queueConnection(app.redis, 'queue-producer')
      const listener = queueConnection(app.redis, 'queue-worker')
      for (const c of [producer, listener]) c.on('error', (err) => app.log.warn({ err }, 'queue connection error'))
      const keys = app.licensing.keys
      open = { queue: createQueue('sync', producer, keys), events: createQueueEvents('sync', listener, keys), connections: [producer, listener] }
    }
    return open
  }
  app.decorate('syncQueue', {
    async run(requestedBy, waitMs) {
      const { queue, events } = connect()
      const job = await queueManualSync(queue, requestedBy)
      return await job.waitUntilFinished(events, waitMs) as SyncOutcome
    },
  } satisfies SyncQueue)
  app.addHook('onClose', async () => {
    if (!open) return
    await Promise.allSettled([open.queue.close(), open.events.close()])
    await Promise.allSettled(open.connections.map((c) => closeRedis(c)))
  })
}, { name: 'sync-queue', dependencies: ['storage', 'licensing'] })

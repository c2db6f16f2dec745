import { Queue, QueueEvents, type JobsOptions } from 'bullmq'
import { createRedis, duplicateRedis, type RedisClient, type RedisTarget } from './connection.js'
import type { ExpiryScanOutcome, SyncOutcome } from '@license-hub/contract'
import type { RedisKeys } from './keys.js'

/** Every queue's job payload: the api (producer) and the worker (consumer) share this map. */
export interface QueuePayloads {
  sync: { reason: 'schedule' | 'start' | 'manual'; requestedBy?: string }
  'expiry-scan': { reason: 'schedule' | 'manual' }
  'session-cleanup': { reason: 'schedule' | 'manual' }
  'event-retention': { reason: 'schedule' | 'manual' }
}

export interface QueueResults {
  sync: SyncOutcome
  'expiry-scan': ExpiryScanOutcome
  'session-cleanup': { ended: number }
  'event-retention': { deleted: number }
}

export type QueueName = keyof QueuePayloads
export const QUEUE_NAMES = ['sync', 'expiry-scan', 'session-cleanup', 'event-retention'] as const satisfies readonly QueueName[]

export type TypedQueue<N extends QueueName> = Queue<QueuePayloads[N], QueueResults[N], N>

/** Scheduled jobs retry with backoff; a worker killed mid-job leaves the job stalled, and another picks it up. */
export const SCHEDULED_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 10_000 },
  removeOnComplete: { count: 200, age: 86_400 },
  removeOnFail: { count: 500, age: 7 * 86_400 },
}

/**
 * A connection for BullMQ. Workers and QueueEvents block on Redis and need
 * maxRetriesPerRequest: null; producers fail fast (enableOfflineQueue: false) so an api request
 * never hangs on a Redis that is away. From a URL, or duplicated from an existing client.
 */
export function queueConnection(from: RedisTarget | RedisClient, role: 'queue-producer' | 'queue-worker'): RedisClient {
  if (typeof from === 'string' || 'clusterNodes' in from) return createRedis(from, role)
  return duplicateRedis(from, role)
}

/** BullMQ's own key prefix, beside (never inside) ioredis' keys, isolating deployments and tests. */
export function queueOptions(connection: RedisClient, keys: RedisKeys) {
  return { connection, prefix: keys.queuePrefix() }
}

export function createQueue<N extends QueueName>(name: N, connection: RedisClient, keys: RedisKeys): TypedQueue<N> {
  return new Queue<QueuePayloads[N], QueueResults[N], N>(name, queueOptions(connection, keys)) as TypedQueue<N>
}

export function createQueueEvents(name: QueueName, connection: RedisClient, keys: RedisKeys): QueueEvents {
  return new QueueEvents(name, queueOptions(connection, keys))
}

/** A sync an admin or operator asked for and waits on: run once (its waiter reports a failure), kept briefly. */
export function queueManualSync(queue: TypedQueue<'sync'>, requestedBy: string) {
  return queue.add('sync', { reason: 'manual', requestedBy }, { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } })
}

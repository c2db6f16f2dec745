import type { ChainableCommander } from 'ioredis'
import type { RedisClient } from './connection.js'

interface Waiting {
  add: (pipeline: ChainableCommander) => void
  resolve: (reply: unknown) => void
  reject: (err: unknown) => void
}

const queued = new WeakMap<RedisClient, Map<string, Waiting[]>>()

/**
 * Sends a command with the others issued in the same turn of the event loop, as one pipeline:
 * one write to Redis and one read back instead of a syscall each. Under load, every extension's
 * heartbeat is one script call, and the per-call socket write was a heartbeat's largest cost.
 * Each call still gets its own reply or error; the batch leaves on setImmediate, after the I/O
 * callbacks of this turn (all the requests read together) have issued theirs.
 *
 * `group` keeps a batch on one Redis Cluster slot: calls whose keys share a hash tag pass the same
 * group (ioredis refuses a pipeline across slots).
 */
export function pipelined<T>(redis: RedisClient, group: string, add: (pipeline: ChainableCommander) => void): Promise<T> {
  let groups = queued.get(redis)
  if (!groups) queued.set(redis, (groups = new Map()))
  let batch = groups.get(group)
  if (!batch) {
    groups.set(group, (batch = []))
    setImmediate(() => {
      groups.delete(group)
      send(redis, batch!)
    })
  }
  return new Promise<T>((resolve, reject) => batch.push({ add, resolve: resolve as (reply: unknown) => void, reject }))
}

function send(redis: RedisClient, batch: Waiting[]): void {
  const pipeline = redis.pipeline()
  for (const call of batch) call.add(pipeline)
  pipeline.exec().then((results) => {
    batch.forEach((call, i) => {
      const [err, reply] = results?.[i] ?? [new Error('no reply in the pipeline'), undefined]
      if (err) call.reject(err)
      else call.resolve(reply)
    })
  }, (err: unknown) => {
    for (const call of batch) call.reject(err)
  })
}

interface Batch<I, R> {
  items: I[]
  waiting: { resolve: (reply: R) => void; reject: (err: unknown) => void }[]
  send: (items: I[]) => Promise<R[]>
}

const pending = new WeakMap<object, Map<string, Batch<unknown, unknown>>>()

/** The most items one `send` carries: a bigger batch leaves as several, so no one call holds Redis long. */
export const MAX_BATCH = 256

/**
 * Collects the calls made on `owner` (a Redis client) with the same `group` in one turn of the
 * event loop, and hands them to `send` together, in order: one command for many callers. The
 * batch leaves on setImmediate, after the I/O callbacks of this turn (all the requests read
 * together) have added theirs. `send` answers one reply per item, in the items' order; when it
 * fails, every caller of that batch gets its error. The calls of one group must send alike (the
 * first call's `send` carries the batch): the group names what they share, such as a key.
 */
export function batched<I, R>(owner: object, group: string, item: I, send: (items: I[]) => Promise<R[]>): Promise<R> {
  let groups = pending.get(owner)
  if (!groups) pending.set(owner, (groups = new Map()))
  let batch = groups.get(group) as Batch<I, R> | undefined
  if (!batch) {
    const created: Batch<I, R> = { items: [], waiting: [], send }
    groups.set(group, created as Batch<unknown, unknown>)
    setImmediate(() => {
      groups.delete(group)
      for (let from = 0; from < created.items.length; from += MAX_BATCH) {
        flush(created, from, Math.min(from + MAX_BATCH, created.items.length))
      }
    })
    batch = created
  }
  batch.items.push(item)
  return new Promise<R>((resolve, reject) => batch.waiting.push({ resolve, reject }))
}

function flush<I, R>(batch: Batch<I, R>, from: number, to: number): void {
  const waiting = batch.waiting.slice(from, to)
  batch.send(batch.items.slice(from, to)).then((replies) => {
    waiting.forEach((call, i) => {
      if (i < replies.length) call.resolve(replies[i]!)
      else call.reject(new Error(`a batch of ${waiting.length} got ${replies.length} replies`))
    })
  }, (err: unknown) => {
    for (const call of waiting) call.reject(err)
  })
}

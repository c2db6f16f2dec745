import { join } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Servers under a memory measurement collect their garbage when asked (node --expose-gc), so
 * that resident memory per socket counts what the sockets hold, not what accepting them left.
 */
export function onGcRequest(): void {
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'gc') void collect()
  })
}

async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: (options?: { type: 'major'; execution: 'sync' }) => void }).gc
  gc?.()
  gc?.()
  // V8 hands freed pages back to the OS from a background thread: resident memory read at once
  // still counted some of them (and by how many varied from run to run).
  await sleep(500)
  gc?.()
  // BENCH_HEAP_SNAPSHOT=<dir>: a heap snapshot at each measurement, to see what the sockets hold.
  if (process.env.BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(join(process.env.BENCH_HEAP_SNAPSHOT, `${process.pid}-${Date.now()}.heapsnapshot`))
  process.send?.({ type: 'gc-done', collected: gc !== undefined, memory: process.memoryUsage() })
}

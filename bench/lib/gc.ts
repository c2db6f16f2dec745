import { join } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'

/**
 * Servers under a memory measurement collect their garbage when asked (node --expose-gc), so
 * that resident memory per socket counts what the sockets hold, not what accepting them left.
 */
export function onGcRequest(): void {
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'gc') return
    const gc = (globalThis as { gc?: (options?: { type: 'major'; execution: 'sync' }) => void }).gc
    gc?.()
    gc?.()
    // BENCH_HEAP_SNAPSHOT=<dir>: a heap snapshot at each measurement, to see what the sockets hold.
    if (process.env.BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(join(process.env.BENCH_HEAP_SNAPSHOT, `${process.pid}-${Date.now()}.heapsnapshot`))
    process.send?.({ type: 'gc-done', collected: gc !== undefined, memory: process.memoryUsage() })
  })
}

import type { LicenseEventMessage, PublishedEvent, SyncOutcome } from '@license-hub/contract'
import { eventHistory, type LicensingContext } from '@license-hub/licensing'
import { followTenantEvents, redisKeys } from '@license-hub/redis'
import { createQueue, createQueueEvents, queueConnection, queueManualSync } from '@license-hub/redis/queues'
import { CommandError, type CliContext } from './context.js'

/** Queues a sync for the worker (serialised with the scheduled ones) and waits for its outcome. */
export async function runSync(cli: CliContext, timeoutMs: number): Promise<SyncOutcome> {
  const { redisUrl } = await cli.infrastructure()
  const keys = redisKeys()
  const producer = queueConnection(redisUrl, 'queue-producer')
  const listener = queueConnection(redisUrl, 'queue-worker')
  for (const connection of [producer, listener]) connection.on('error', (err) => cli.log.debug({ err }, 'queue connection error'))
  const queue = createQueue('sync', producer, keys)
  const events = createQueueEvents('sync', listener, keys)
  try {
    await events.waitUntilReady()
    const job = await queueManualSync(queue, 'cli')
    cli.log.info({ jobId: job.id }, 'sync queued: waiting for a worker')
    try {
      return await job.waitUntilFinished(events, timeoutMs) as SyncOutcome
    } catch (err) {
      // A job a worker holds cannot be removed; the timeout below is what the operator needs to know.
      await job.remove().catch(() => undefined)
      throw new CommandError(`the sync did not finish within ${timeoutMs / 1000} s (is a worker running?): ${err instanceof Error ? err.message : String(err)}`)
    }
  } finally {
    await Promise.allSettled([queue.close(), events.close()])
    await Promise.allSettled([producer.quit(), listener.quit()])
  }
}

// The addressee of a session_ended routes it; it is not part of the message.
const message = ({ id, type, tenantId, timestamp, data }: PublishedEvent) =>
  ({ id, type, tenantId, timestamp, data }) as LicenseEventMessage

/**
 * Prints the tenant's events after `after` from Postgres, then its live events from Redis until
 * SIGINT/SIGTERM. Subscribed before the history is read, so nothing published meanwhile is missed,
 * and each event is printed once.
 */
export async function followEvents(
  cli: CliContext, ctx: LicensingContext, tenantId: string, query: { after?: string; type?: string },
  print: (event: LicenseEventMessage) => void
): Promise<void> {
  const seen = new Set<string>()
  let buffered: LicenseEventMessage[] | undefined = []
  const emit = (event: LicenseEventMessage) => {
    if (seen.has(event.id)) return
    seen.add(event.id)
    print(event)
  }
  const { redisUrl } = await cli.infrastructure()
  const subscription = await followTenantEvents(redisUrl, ctx.keys, tenantId, (event) => {
    if (query.type && event.type !== query.type) return
    if (buffered) buffered.push(message(event))
    else emit(message(event))
  }, (err) => cli.log.warn({ err }, 'event subscription error'))
  try {
    let after = query.after
    for (;;) {
      const page = await eventHistory(ctx, tenantId, { after, type: query.type, limit: 500 })
      for (const event of page.events) emit(event)
      if (!page.next) break
      after = page.next
    }
    for (const event of buffered ?? []) emit(event)
    buffered = undefined
    cli.log.info({ tenantId }, 'following live events (Ctrl-C to stop)')
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
  } finally {
    await subscription.close()
  }
}

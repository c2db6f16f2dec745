import type { Job } from 'bullmq'
import type { LicenseServerClient } from '@license-hub/license-server'
import { endLapsedSessions, pruneEvents, scanExpiry, syncExternalLicenses, type LicensingContext } from '@license-hub/licensing'
import type { QueueName, QueuePayloads, QueueResults } from '@license-hub/redis/queues'

export type Processors = { [N in QueueName]: (job: Job<QueuePayloads[N], QueueResults[N], N>) => Promise<QueueResults[N]> }

export class SyncFailedError extends Error {
  override name = 'SyncFailedError'
}

export function processors(ctx: LicensingContext, client: LicenseServerClient | undefined): Processors {
  return {
    async sync(job) {
      const outcome = await syncExternalLicenses(ctx, client)
      // A scheduled sync that could not reach the server fails, so BullMQ retries it with backoff;
      // an admin's sync reports the failure to the waiting request instead.
      if (outcome.status === 'failed' && job.data.reason !== 'manual') {
        throw new SyncFailedError(`Error syncing from external server: ${outcome.error?.message ?? 'unknown cause'}`)
      }
      return outcome
    },
    async 'expiry-scan'() {
      return scanExpiry(ctx)
    },
    async 'session-cleanup'() {
      return { ended: await endLapsedSessions(ctx) }
    },
    async 'event-retention'() {
      return pruneEvents(ctx)
    },
  }
}

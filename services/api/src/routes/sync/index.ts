import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError, ErrorResponse, SyncResult, type SyncOutcome } from '@license-hub/contract'
import { currentLicense } from '@license-hub/licensing'

/** How long the request waits for the worker's outcome before answering 503. */
export const SYNC_WAIT_MS = 15_000

const DESCRIPTION = [
  'Runs the external license sync now (through the worker\'s queue, serialised with the scheduled one) and waits up to 15 s for its outcome.',
  'In local mode (no LICENSE_MGMT_API_URL) it answers 200 at once with `status: "local-mode"`, `licensesSynced: 0`, `changed: 0`.',
  '502 BAD_GATEWAY: the license server could not be reached or answered badly (timeout, refused, 5xx, malformed); nothing changed and the message says which license stays in force (the last synced copy, for LICENSE_SYNC_GRACE, else the local one).',
  '503 SERVICE_UNAVAILABLE: the sync could not be queued, or no worker finished it within 15 s.',
].join(' ')

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const ctx = app.licensing
  // No license in force reads as local.
  const sourceOf = async (tenantId: string) => (await currentLicense(ctx, tenantId))?.source ?? 'local'

  app.post('/sync', {
    onRequest: app.requireAdmin,
    schema: {
      tags: ['licenses'], summary: 'Run the external license sync now and answer with its outcome (admin)', description: DESCRIPTION,
      response: { 200: SyncResult, 401: ErrorResponse, 403: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse },
    },
  }, async (request) => {
    const { tenantId, id: userId } = request.user
    if (!app.config.licenseServer) {
      request.log.info({ tenantId, userId, code: 'SYNC_LOCAL_MODE' }, 'sync requested in local mode: nothing to sync')
      return { source: await sourceOf(tenantId), licensesSynced: 0, changed: 0, durationMs: 0, status: 'local-mode' as const }
    }

    let outcome: SyncOutcome
    try {
      outcome = await app.syncQueue.run(userId, SYNC_WAIT_MS)
    } catch (err) {
      request.log.warn({ tenantId, userId, err, code: 'SYNC_UNAVAILABLE' }, 'sync did not run')
      throw new AppError('SERVICE_UNAVAILABLE', 'The sync could not be run now (is a worker running?); the license in force is unchanged')
    }

    const source = await sourceOf(tenantId)
    if (outcome.status === 'failed') {
      request.log.warn({ tenantId, userId, kind: outcome.error?.kind, code: 'SYNC_FAILED' }, 'sync failed')
      const inForce = source === 'external' ? 'the last synced license stays in force' : 'the local license is in force'
      throw new AppError('BAD_GATEWAY', `The external license server could not be reached (${outcome.error?.message ?? 'unknown cause'}); ${inForce}`)
    }
    request.log.info({ tenantId, userId, code: 'SYNC_OK', status: outcome.status, changed: outcome.changed }, 'sync done')
    const { licensesSynced, changed, durationMs, status } = outcome
    return { source, licensesSynced, changed, durationMs, status }
  })
}

export default routes

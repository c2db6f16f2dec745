import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { AppError, ErrorResponse, GenerateLicenseBody, LegacyBody, LegacyIdParams, LicenseRecord, LicenseSummary, LicenseTypeView } from '@license-hub/contract'
import {
  assertLicenseUsable, assertLocalMode, generateLicense, licenseRecords, licenseTypes, resolveLicense, tenantOf,
} from '@license-hub/licensing'

const LEGACY_MESSAGE = 'Licenses are managed by the external license server; this endpoint is not implemented'
const Legacy = { 401: ErrorResponse, 501: ErrorResponse }

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const ctx = app.licensing
  const adminOnly = async (request: FastifyRequest) => {
    if (request.user.role !== 'admin') throw new AppError('FORBIDDEN')
  }
  // In external mode generate is one of the legacy 501s, for users and admins alike.
  const localModeOnly = async () => assertLocalMode(ctx)
  app.get('/current', {
    onRequest: app.authenticate,
    schema: {
      tags: ['licenses'],
      summary: 'The license in force for the caller\'s tenant',
      description: 'The active external license matching the tenant\'s fingerprint (kept in force for LICENSE_SYNC_GRACE while the license server is unreachable), else its local signed license. `source` and `lastSyncedAt` say which. 404 LICENSE_NOT_FOUND when there is none, 403 LICENSE_INACTIVE / LICENSE_EXPIRED when it is not usable (admins still see it in GET /api/licenses/). Every extension reads it at start, reconnect and each license event, so a successful answer\'s request lines log at `debug`, like a heartbeat\'s; a refusal logs `current license refused` at `info`.',
      response: { 200: LicenseSummary, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
    },
  }, async (request) => {
    const { tenantId, id: userId } = request.user
    try {
      const { summary } = await resolveLicense(ctx, tenantId)
      assertLicenseUsable(summary, ctx.now())
      return summary
    } catch (err) {
      if (err instanceof AppError) request.log.info({ tenantId, userId, code: err.code }, 'current license refused')
      throw err
    }
  })

  app.get('/types', {
    onRequest: app.requireAdmin,
    schema: {
      tags: ['licenses'], summary: 'The license types (admin)',
      response: { 200: Type.Array(LicenseTypeView), 401: ErrorResponse, 403: ErrorResponse },
    },
  }, async () => licenseTypes(ctx))

  app.get('/', {
    onRequest: app.requireAdmin,
    schema: {
      tags: ['licenses'], summary: 'Every license of the caller\'s tenant in the local cache (admin)',
      description: 'External copies (also withdrawn ones, with `withdrawnAt`) and local licenses (with `signatureValid`); `inForce` marks the one /current answers with.',
      response: { 200: Type.Array(LicenseRecord), 401: ErrorResponse, 403: ErrorResponse },
    },
  }, async (request) => {
    return licenseRecords(ctx, request.user.tenantId)
  })

  app.post('/generate', {
    onRequest: [app.authenticate, localModeOnly, adminOnly],
    schema: {
      tags: ['licenses'],
      summary: 'Issue a signed local license (admin, local mode only)',
      description: 'Only when no external license server is configured (else 501 NOT_IMPLEMENTED). Signs the license with LICENSE_PRIVATE_KEY for the caller\'s tenant; the newest local license in force applies when no external one does. Dates: `issued_at`/`expires_at` as in the seed, or `issuedAt`/`expiresAt`; a date alone expires at the end of that day (UTC). No expiry means it never expires.',
      body: GenerateLicenseBody,
      response: { 201: LicenseRecord, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 501: ErrorResponse },
    },
  }, async (request, reply) => {
    const body = request.body
    const tenant = await tenantOf(ctx, request.user.tenantId)
    const record = await generateLicense(ctx, tenant, {
      licenseTypeId: body.licenseTypeId, organizationName: body.organizationName, webrtcMaxUsers: body.webrtcMaxUsers,
      serverFingerprint: body.serverFingerprint, issuedAt: body.issued_at ?? body.issuedAt, expiresAt: body.expires_at ?? body.expiresAt,
    })
    return reply.status(201).send(record)
  })

  const notImplemented = async () => {
    throw new AppError('NOT_IMPLEMENTED', LEGACY_MESSAGE)
  }
  app.put('/:id', {
    onRequest: app.authenticate,
    schema: { tags: ['licenses', 'legacy'], summary: 'Legacy: always 501 NOT_IMPLEMENTED', params: LegacyIdParams, body: LegacyBody, response: Legacy },
  }, notImplemented)
  app.put('/:id/status', {
    onRequest: app.authenticate,
    schema: { tags: ['licenses', 'legacy'], summary: 'Legacy: always 501 NOT_IMPLEMENTED', params: LegacyIdParams, body: LegacyBody, response: Legacy },
  }, notImplemented)
}

export default routes

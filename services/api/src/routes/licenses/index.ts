import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { AppError, ErrorResponse, GenerateLicenseBody, LegacyBody, LicenseRecord, LicenseSummary, LicenseTypeView } from '@license-hub/contract'
import { findTenant, listLicenseTypes } from '@license-hub/db'
import { assertLicenseUsable, issueLocalLicense, licenseRecord, licenseRecords, requestedLicenseDates, resolveLicense, withLicenseChangeEvents } from '@license-hub/licensing'
import { licenseTypeView } from './views.js'

const LEGACY_MESSAGE = 'Licenses are managed by the external license server; this endpoint is not implemented'
const Id = Type.Object({ id: Type.String({ maxLength: 200 }) })
const Legacy = { 401: ErrorResponse, 501: ErrorResponse }

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const ctx = app.licensing
  const adminOnly = async (request: FastifyRequest) => {
    if (request.user.role !== 'admin') throw new AppError('FORBIDDEN')
  }
  const localModeOnly = async () => {
    if (app.config.licenseServer) throw new AppError('NOT_IMPLEMENTED', LEGACY_MESSAGE)
  }
  /** The id of the license in force, or undefined when the tenant has none. */
  const inForceId = (tenantId: string) => resolveLicense(ctx, tenantId).then((l) => l.summary.id, (err: unknown) => {
    // No license in force (an AppError) is an answer; anything else is a fault worth a line.
    if (!(err instanceof AppError)) app.log.warn({ err, tenantId }, 'license in force unknown: none marked current')
    return undefined
  })

  app.get('/current', {
    onRequest: app.authenticate,
    schema: {
      tags: ['licenses'],
      summary: 'The license in force for the caller\'s tenant',
      description: 'The active external license matching the tenant\'s fingerprint (kept in force for LICENSE_SYNC_GRACE while the license server is unreachable), else its local signed license. `source` and `lastSyncedAt` say which. 404 LICENSE_NOT_FOUND when there is none, 403 LICENSE_INACTIVE / LICENSE_EXPIRED when it is not usable (admins still see it in GET /api/licenses/).',
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
  }, async () => (await listLicenseTypes(app.db)).map(licenseTypeView))

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
    const { tenantId, id: userId } = request.user
    const body = request.body
    const tenant = await findTenant(app.db, tenantId)
    if (!tenant) throw new AppError('UNAUTHORIZED')
    if (body.serverFingerprint !== undefined && body.serverFingerprint !== tenant.fingerprint) {
      throw new AppError('VALIDATION_ERROR', 'body.serverFingerprint must be this tenant\'s fingerprint')
    }
    const dates = requestedLicenseDates({ issuedAt: body.issued_at ?? body.issuedAt, expiresAt: body.expires_at ?? body.expiresAt }, ctx.now())
    const row = await withLicenseChangeEvents(ctx, tenantId, () => issueLocalLicense(app.db, app.secrets.licensePrivateKey, {
      tenantId, organizationName: body.organizationName, serverFingerprint: tenant.fingerprint,
      licenseTypeId: body.licenseTypeId, webrtcMaxUsers: body.webrtcMaxUsers, ...dates,
    }))
    request.log.info({ tenantId, userId, licenseId: row.id, licenseTypeId: row.licenseTypeId, code: 'OK' }, 'local license issued')
    return reply.status(201).send(licenseRecord(row, app.secrets.licensePublicKey, await inForceId(tenantId)))
  })

  const notImplemented = async () => {
    throw new AppError('NOT_IMPLEMENTED', LEGACY_MESSAGE)
  }
  app.put('/:id', {
    onRequest: app.authenticate,
    schema: { tags: ['licenses', 'legacy'], summary: 'Legacy: always 501 NOT_IMPLEMENTED', params: Id, body: LegacyBody, response: Legacy },
  }, notImplemented)
  app.put('/:id/status', {
    onRequest: app.authenticate,
    schema: { tags: ['licenses', 'legacy'], summary: 'Legacy: always 501 NOT_IMPLEMENTED', params: Id, body: LegacyBody, response: Legacy },
  }, notImplemented)
}

export default routes

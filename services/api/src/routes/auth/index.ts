import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError, ErrorResponse, LoginBody, LoginResponse, type LicenseSummary } from '@license-hub/contract'
import { assertWebrtcAccess, resolveLicense, verifyCredentials } from '@license-hub/licensing'
import type { User } from '@license-hub/db'
import type { FastifyInstance } from 'fastify'
import { createLoginLimiter } from './login-limiter.js'

type Webrtc = { allowed: boolean; code?: string; message?: string }

/** The tenant's license (null when it has none) and whether this user may use the extension now. */
async function licenseAndAccess(app: FastifyInstance, user: User): Promise<{ license: LicenseSummary | null; webrtc: Webrtc }> {
  const refusal = (err: unknown): Webrtc => {
    if (err instanceof AppError) return { allowed: false, code: err.code, message: err.message }
    throw err
  }
  let license: LicenseSummary
  try {
    license = (await resolveLicense(app.licensing, user.tenantId)).summary
  } catch (err) {
    return { license: null, webrtc: refusal(err) }
  }
  try {
    assertWebrtcAccess(license, user, app.licensing.now())
    return { license, webrtc: { allowed: true } }
  } catch (err) {
    return { license, webrtc: refusal(err) }
  }
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const limiter = createLoginLimiter(app.redis, app.licensing.keys, app.licensing.log)

  app.post('/login', {
    schema: {
      tags: ['auth'],
      summary: 'Log in with email and password',
      description: 'Answers a 12-hour JWT. 5 failed logins (401) for one email, or 30 from one address, within 15 minutes make further attempts from there answer 429 until the window passes (on every api node); each attempt is counted before its password is checked, so a parallel burst gets no more guesses. An address that logged in with that email within the window is not locked out by the email\'s limit. Malformed bodies do not count.',
      body: LoginBody,
      response: { 200: LoginResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse },
    },
  }, async (request, reply) => {
    const { email, password, client = 'web' } = request.body
    const reservation = await limiter.reserve(email, request.ip)
    if (reservation.retryAfterMs > 0) {
      request.log.warn({ code: 'RATE_LIMITED' }, 'login refused: too many failed attempts')
      reply.header('retry-after', Math.ceil(reservation.retryAfterMs / 1000))
      throw new AppError('RATE_LIMITED')
    }
    let user: User
    try {
      user = await verifyCredentials(app.db, email, password)
    } catch (err) {
      if (err instanceof AppError && err.code === 'INVALID_CREDENTIALS') {
        request.log.info({ code: err.code }, 'login failed')
      } else {
        await reservation.release()
      }
      throw err
    }
    await reservation.succeeded()
    const { license, webrtc } = await licenseAndAccess(app, user)
    const outcome = { tenantId: user.tenantId, userId: user.id, client, code: webrtc.code ?? 'OK' }
    if (client === 'extension' && !webrtc.allowed) {
      request.log.info(outcome, 'login refused: WebRTC extension not allowed')
      throw new AppError(webrtc.code as ConstructorParameters<typeof AppError>[0])
    }
    request.log.info(outcome, 'login')
    return {
      token: app.issueToken({ id: user.id, tenantId: user.tenantId, role: user.role, tokenVersion: user.tokenVersion }),
      user: { id: user.id, tenantId: user.tenantId, email: user.email, name: user.name, role: user.role },
      license,
      webrtc,
    }
  })
}

export default routes

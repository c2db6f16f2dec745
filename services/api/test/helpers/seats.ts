import type { LightMyRequestResponse } from 'fastify'
import type { ServerLicense } from '@license-hub/db'
import { invalidateLicenseCache, issueLocalLicense } from '@license-hub/licensing'
import type { TestApp } from '../../../../test/helpers/app.js'

type Headers = { authorization: string }

/** Gives the default tenant (or `tenantId`) a signed Enterprise license with `seats` WebRTC seats; it becomes the license in force. */
export async function licenseWithSeats(
  testApp: TestApp,
  seats: number,
  options: { tenantId?: string; fingerprint?: string; licenseTypeId?: number; expiresAt?: Date | null } = {}
): Promise<ServerLicense> {
  const tenantId = options.tenantId ?? testApp.defaults.tenant.id
  const license = await issueLocalLicense(testApp.db, testApp.secrets.licensePrivateKey, {
    tenantId, organizationName: 'Seat Co', serverFingerprint: options.fingerprint ?? testApp.defaults.tenant.fingerprint,
    licenseTypeId: options.licenseTypeId ?? 3, expiresAt: options.expiresAt ?? null, webrtcMaxUsers: seats,
  })
  await invalidateLicenseCache(testApp.app.licensing, tenantId)
  return license
}

export const post = (app: TestApp['app'], url: string, headers: Headers, payload: object): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'POST', url, headers, payload })

export const get = (app: TestApp['app'], url: string, headers: Headers): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'GET', url, headers })

export const put = (app: TestApp['app'], url: string, headers: Headers, payload: object): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'PUT', url, headers, payload })

export const createSession = (app: TestApp['app'], headers: Headers, deviceId: string, force?: boolean) =>
  post(app, '/api/licenses/create-session', headers, force === undefined ? { deviceId } : { deviceId, force })

export const validateSession = (app: TestApp['app'], headers: Headers, sessionId: string) =>
  post(app, '/api/licenses/validate-session', headers, { sessionId })

export const endSession = (app: TestApp['app'], headers: Headers, sessionId: string) =>
  post(app, '/api/licenses/end-session', headers, { sessionId })

/** A clock the test moves; the app reads it through the `now` option. */
export function testClock(start = new Date()) {
  const clock = { at: start.getTime(), now: () => new Date(clock.at), advance: (sec: number) => { clock.at += sec * 1000 } }
  return clock
}

/** Events stored for a tenant, oldest first. */
export async function storedEvents(testApp: TestApp, type?: string) {
  let query = testApp.db.selectFrom('events').selectAll().where('tenantId', '=', testApp.defaults.tenant.id)
  if (type) query = query.where('type', '=', type)
  return (await query.orderBy('id').execute()).map((row) => ({ type: row.type, data: row.data as Record<string, unknown> }))
}

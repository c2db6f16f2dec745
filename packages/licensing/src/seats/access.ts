import { AppError, type LicenseSummary } from '@license-hub/contract'
import { expiredEvent } from '@license-hub/core'
import { findUser, type User } from '@license-hub/db'
import type { LicensingContext } from '../context.js'
import { expiryScope, publishLicenseEventOnce } from '../events-once.js'
import { assertWebrtcAccess, resolveLicense } from '../license-resolution.js'

export interface Access {
  license: LicenseSummary
  user: User
}

/**
 * The contract's checks before a seat, first failure wins: license found, active, unexpired,
 * feature licensed, allocated, user allocated. A license first seen expired here is announced
 * once per expiry date. Throws the AppError; `refused` logs it.
 */
export async function checkAccess(ctx: LicensingContext, tenantId: string, userId: string): Promise<Access> {
  const { summary } = await resolveLicense(ctx, tenantId)
  const user = await findUser(ctx.db, tenantId, userId)
  if (!user) throw new AppError('UNAUTHORIZED')
  const now = ctx.now()
  try {
    assertWebrtcAccess(summary, user, now)
  } catch (err) {
    if (err instanceof AppError && err.code === 'LICENSE_EXPIRED') {
      await publishLicenseEventOnce(ctx, tenantId, summary.id, expiredEvent(summary.expiresAt, now), expiryScope(summary))
    }
    throw err
  }
  return { license: summary, user }
}

export function logRefused(ctx: LicensingContext, tenantId: string, userId: string, err: unknown, action: string): void {
  if (err instanceof AppError) ctx.log.info({ tenantId, userId, code: err.code }, `${action} refused: ${err.message}`)
}

import type { LicenseSummary } from '@license-hub/contract'
import { usageEvent, usageLevel } from '@license-hub/core'
import { claimUsageNotice } from '@license-hub/redis'
import type { LicensingContext } from '../context.js'
import { publishEvent } from '../events.js'
import { finishLapsed } from './ending.js'
import { countLive } from './store.js'

/** A refusal at the limit is reported at most once a minute per license: a queue of users retrying would flood every client. */
export const EXCEEDED_NOTICE_SEC = 60

/** usage_limit_warning when an admission carries the count across 80% upward. */
export async function noticeAdmission(
  ctx: LicensingContext, tenantId: string, activeSessions: number, webrtcMaxUsers: number
): Promise<void> {
  if (usageLevel(activeSessions, webrtcMaxUsers) !== 'usage_limit_warning') return
  if (usageLevel(activeSessions - 1, webrtcMaxUsers) === 'usage_limit_warning') return
  await publishEvent(ctx, tenantId, usageEvent('usage_limit_warning', activeSessions, webrtcMaxUsers))
}

/**
 * usage_limit_exceeded for a refusal at the limit, throttled per license across every node. When
 * Redis cannot say whether a notice went out, one is sent (a lost notice is worse than a second
 * one), and the fault is logged.
 */
export async function noticeRefusal(
  ctx: LicensingContext, tenantId: string, licenseId: string, activeSessions: number, webrtcMaxUsers: number
): Promise<void> {
  const first = await claimUsageNotice(ctx.redis, ctx.keys, tenantId, licenseId, 'exceeded', EXCEEDED_NOTICE_SEC).catch((err: unknown) => {
    ctx.log.warn({ err, tenantId, licenseId }, 'usage notice throttle unavailable (Redis): notifying without it')
    return true
  })
  if (!first) return
  await publishEvent(ctx, tenantId, usageEvent('usage_limit_exceeded', activeSessions, webrtcMaxUsers))
}

/** usage_limit_exceeded when an admin lowers the allocation below the live count (not throttled: an admin did it). */
export async function noticeAllocation(
  ctx: LicensingContext, tenantId: string, activeSessions: number, webrtcMaxUsers: number
): Promise<void> {
  if (activeSessions <= webrtcMaxUsers) return
  await publishEvent(ctx, tenantId, usageEvent('usage_limit_exceeded', activeSessions, webrtcMaxUsers))
}

/**
 * usage_limit_exceeded when a change of the license in force (a sync lowering the license
 * server's allocation, a hand-over to a smaller license) leaves more live seats than it allows.
 * The live seats are kept; new ones are refused until enough end.
 */
export async function noticeShrink(
  ctx: LicensingContext, tenantId: string, before: LicenseSummary | undefined, after: LicenseSummary
): Promise<boolean> {
  if (!before || after.webrtcMaxUsers >= before.webrtcMaxUsers) return false
  const { activeSessions, lapsed } = await countLive(ctx, tenantId, after.id)
  await finishLapsed(ctx, lapsed)
  if (activeSessions <= after.webrtcMaxUsers) return false
  await publishEvent(ctx, tenantId, usageEvent('usage_limit_exceeded', activeSessions, after.webrtcMaxUsers))
  return true
}

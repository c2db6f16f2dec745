import type { RedisClient } from './connection.js'
import type { RedisKeys } from './keys.js'

/**
 * Claims the right to send a repeated notice of a license for `ttlSec`, across every node: true
 * for the first caller, false while a claim stands. Redis faults throw.
 */
export async function claimUsageNotice(
  redis: RedisClient, keys: RedisKeys, tenantId: string, licenseId: string, kind: string, ttlSec: number
): Promise<boolean> {
  return (await redis.set(keys.usageNotice(tenantId, licenseId, kind), '1', 'EX', ttlSec, 'NX')) === 'OK'
}

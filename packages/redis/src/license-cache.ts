import type { RedisClient } from './connection.js'
import type { RedisKeys } from './keys.js'

/** How long a tenant's resolved license stays cached. */
export const LICENSE_CACHE_TTL_SEC = 300

/** The cached license of a tenant, undefined when absent or unreadable. Redis faults throw. */
export async function readLicenseCache<T>(redis: RedisClient, keys: RedisKeys, tenantId: string): Promise<T | undefined> {
  const cached = await redis.get(keys.licenseCache(tenantId))
  if (!cached) return undefined
  try {
    return JSON.parse(cached) as T
  } catch {
    return undefined
  }
}

export async function writeLicenseCache(redis: RedisClient, keys: RedisKeys, tenantId: string, value: unknown): Promise<void> {
  await redis.set(keys.licenseCache(tenantId), JSON.stringify(value), 'EX', LICENSE_CACHE_TTL_SEC)
}

export async function dropLicenseCache(redis: RedisClient, keys: RedisKeys, tenantId: string): Promise<void> {
  await redis.del(keys.licenseCache(tenantId))
}

import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { RedisClient } from './connection.js'

const RELEASE = readFileSync(new URL('./release-lock.lua', import.meta.url), 'utf8')

/**
 * Runs `work` while holding a short Redis lock, or returns `undefined` at once when another holder
 * has it. The TTL bounds how long a crashed holder blocks the others.
 */
export async function withLock<T>(
  redis: RedisClient, key: string, ttlMs: number, work: () => Promise<T>
): Promise<{ value: T } | undefined> {
  const token = randomUUID()
  if (await redis.set(key, token, 'PX', ttlMs, 'NX') !== 'OK') return undefined
  try {
    return { value: await work() }
  } finally {
    // A release that fails is harmless: the lock expires on its own after ttlMs.
    await redis.eval(RELEASE, 1, key, token).catch(() => undefined)
  }
}

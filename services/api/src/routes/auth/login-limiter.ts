import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible'
import type { Logger } from '@license-hub/config'
import type { Redis, RedisKeys } from '@license-hub/redis'

export const LOGIN_WINDOW_SEC = 15 * 60
export const MAX_FAILURES_PER_EMAIL = 5
export const MAX_FAILURES_PER_IP = 30

export interface LoginLimiter {
  /** Milliseconds until this email and address may try again; 0 when they may now. */
  retryAfterMs: (email: string, ip: string) => Promise<number>
  recordFailure: (email: string, ip: string) => Promise<void>
}

/**
 * Failed logins (401s) counted in Redis per email and per address over a fixed 15-minute window,
 * so the limit holds across every api node. If Redis is unreachable each node counts in memory.
 */
export function createLoginLimiter(redis: Redis, keys: RedisKeys, log: Logger): LoginLimiter {
  const limiter = (kind: 'email' | 'ip', points: number) => new RateLimiterRedis({
    storeClient: redis, keyPrefix: keys.loginLimiter(kind), points, duration: LOGIN_WINDOW_SEC,
    insuranceLimiter: new RateLimiterMemory({ points, duration: LOGIN_WINDOW_SEC }),
  })
  const byEmail = limiter('email', MAX_FAILURES_PER_EMAIL)
  const byIp = limiter('ip', MAX_FAILURES_PER_IP)
  const emailKey = (email: string) => email.trim().toLowerCase()

  const wait = (res: RateLimiterRes | null, max: number) => (res && res.consumedPoints >= max ? Math.max(res.msBeforeNext, 1) : 0)

  return {
    async retryAfterMs(email, ip) {
      try {
        const [forEmail, forIp] = await Promise.all([byEmail.get(emailKey(email)), byIp.get(ip)])
        return Math.max(wait(forEmail, MAX_FAILURES_PER_EMAIL), wait(forIp, MAX_FAILURES_PER_IP))
      } catch (err) {
        log.warn({ err }, 'login limiter unavailable: login not rate limited')
        return 0
      }
    },
    async recordFailure(email, ip) {
      // consume rejects (with a RateLimiterRes, not an Error) once over the limit: the count still rises.
      await Promise.allSettled([byEmail.consume(emailKey(email)), byIp.consume(ip)])
    },
  }
}

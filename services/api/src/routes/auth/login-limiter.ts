import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import type { Logger } from '@license-hub/config'
import type { RedisClient, RedisKeys } from '@license-hub/redis'

export const LOGIN_WINDOW_SEC = 15 * 60
export const MAX_FAILURES_PER_EMAIL = 5
export const MAX_FAILURES_PER_IP = 30

/** One login attempt's reservation: a guess is counted before the password is checked. */
export interface LoginReservation {
  /** Milliseconds until this email and address may try again; 0 when this attempt may go ahead. */
  retryAfterMs: number
  /** The password was right: the guess is given back and the address remembered as proven for this email. */
  succeeded: () => Promise<void>
  /** The attempt ended without a verdict on the password (a fault): the guess is given back. */
  release: () => Promise<void>
}

export interface LoginLimiter {
  reserve: (email: string, ip: string) => Promise<LoginReservation>
}

/**
 * Failed logins per email and per address over a fixed 15-minute window, counted in Redis so the
 * limit holds across every api node (in memory on each node while Redis is unreachable).
 *
 * Every attempt takes its guess atomically (INCR) before the password is checked, and gets it back
 * on success: a burst sent in parallel gets no more guesses than one sent in sequence. An address
 * that proved an email's password within the window keeps logging in with it while that email is
 * locked out by guesses from elsewhere, so an attacker cannot lock a user out of a known place.
 */
export function createLoginLimiter(redis: RedisClient, keys: RedisKeys, log: Logger): LoginLimiter {
  const limiter = (kind: 'email' | 'ip' | 'proven', points: number) => new RateLimiterRedis({
    storeClient: redis, keyPrefix: keys.loginLimiter(kind), points, duration: LOGIN_WINDOW_SEC,
    insuranceLimiter: new RateLimiterMemory({ points, duration: LOGIN_WINDOW_SEC }),
  })
  const byEmail = limiter('email', MAX_FAILURES_PER_EMAIL)
  const byIp = limiter('ip', MAX_FAILURES_PER_IP)
  const proven = limiter('proven', 1)
  const emailKey = (email: string) => email.trim().toLowerCase()
  const provenKey = (email: string, ip: string) => `${emailKey(email)}|${ip}`

  /** Takes one guess; the wait is 0 when it was within the limit. Rejections are data here, not faults. */
  async function take(of: RateLimiterRedis, key: string): Promise<{ taken: boolean; waitMs: number }> {
    try {
      await of.consume(key)
      return { taken: true, waitMs: 0 }
    } catch (res) {
      if (res instanceof RateLimiterRes) return { taken: true, waitMs: Math.max(res.msBeforeNext, 1) }
      log.warn({ err: res }, 'login limiter unavailable: attempt not counted')
      return { taken: false, waitMs: 0 }
    }
  }
  const giveBack = async (of: RateLimiterRedis, key: string, taken: boolean) => {
    if (!taken) return
    await of.reward(key).catch((err: unknown) => log.warn({ err }, 'login limiter: a guess could not be given back'))
  }
  const isProven = async (email: string, ip: string) => {
    try {
      return (await proven.get(provenKey(email, ip))) !== null
    } catch (err) {
      log.warn({ err }, 'login limiter unavailable: proven addresses unknown')
      return false
    }
  }

  return {
    async reserve(email, ip) {
      const [forIp, forEmail, provenHere] = await Promise.all([take(byIp, ip), take(byEmail, emailKey(email)), isProven(email, ip)])
      const release = async () => {
        await Promise.all([giveBack(byIp, ip, forIp.taken), giveBack(byEmail, emailKey(email), forEmail.taken)])
      }
      return {
        retryAfterMs: Math.max(forIp.waitMs, provenHere ? 0 : forEmail.waitMs),
        release,
        async succeeded() {
          await release()
          await proven.set(provenKey(email, ip), 1, LOGIN_WINDOW_SEC)
            .catch((err: unknown) => log.warn({ err }, 'login limiter: proven address not recorded'))
        },
      }
    },
  }
}

export interface BackoffOptions {
  /** First wait (default 1 s); each failure in a row doubles it... */
  initialMs: number
  /** ...up to this (default 30 s). */
  maxMs: number
  /** Share of the wait taken off at random, 0-1 (default 0.5: a wait of 8 s becomes 4-8 s). */
  jitter: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, jitter: 0.5 }

/** After a 1013 (connection cap) the next try waits at least this long. */
export const TRY_AGAIN_LATER_FLOOR_MS = 5_000

/**
 * The wait before try number `attempt` (1 = the first retry): min(maxMs, initialMs·2^(attempt-1)),
 * less up to `jitter` of it at random, so clients dropped together do not return together.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)))
  return Math.round(base * (1 - options.jitter * random()))
}

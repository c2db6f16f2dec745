/** Postgres SQLSTATE classes and codes that mean the database is away, not that the request is wrong. */
const PG_UNAVAILABLE = /^(08|57P|53)/
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
const MESSAGES = [
  /Connection terminated/i, /timeout exceeded when trying to connect/i, /Query read timeout/i,
  /Connection is closed/i, /Command timed out/i, /Stream isn't writeable/i, /Reached the max retries per request/i,
  /Client has encountered a connection error/i, /LOADING Redis is loading/i, /connect ECONNREFUSED/i,
]

/**
 * True when an error means Postgres or Redis could not be reached or stopped answering: the
 * request should be answered 503 with Retry-After (the contract's "When a dependency fails"),
 * never 500. Checks the error and the causes it wraps.
 */
export function isDependencyFault(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false
  type Fault = { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown }
  const { code, name, message, cause, errors } = err as Fault
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || (code.length === 5 && PG_UNAVAILABLE.test(code)))) return true
  if (name === 'MaxRetriesPerRequestError') return true
  if (typeof message === 'string' && MESSAGES.some((re) => re.test(message))) return true
  if (Array.isArray(errors) && errors.some((e) => isDependencyFault(e, depth + 1))) return true
  return isDependencyFault(cause, depth + 1)
}

/** Seconds a client waits before retrying a 503. */
export const RETRY_AFTER_SEC = 5

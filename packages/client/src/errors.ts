/** Every failure of a REST call: the contract's error shape, or a network failure (status 0). */
export class LicenseHubError extends Error {
  /** HTTP status; 0 when no answer arrived (network error, timeout, aborted). */
  readonly status: number
  /** The contract's error code, e.g. `CONCURRENT_SESSION`; `NETWORK_ERROR` when no answer arrived. */
  readonly code: string
  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'LicenseHubError'
    this.status = status
    this.code = code
  }

  /** No answer or a 5xx/429: worth retrying later with the same credentials. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500
  }
}

export function isLicenseHubError(value: unknown): value is LicenseHubError {
  return value instanceof LicenseHubError
}

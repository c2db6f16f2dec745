export type LicenseServerFailure = 'timeout' | 'refused' | 'unreachable' | 'http' | 'malformed'

/** Why a call to the external server failed; the message is safe to log (it never holds the key). */
export class LicenseServerError extends Error {
  override name = 'LicenseServerError'
  constructor(readonly kind: LicenseServerFailure, readonly path: string, detail: string, readonly status?: number) {
    super(`GET ${path}: ${detail}`)
  }

  get retryable(): boolean {
    return this.kind !== 'malformed' && (this.kind !== 'http' || (this.status ?? 0) >= 500 || this.status === 429)
  }
}

// The constants of the WebSocket wire format (`GET /ws/license`). This file imports nothing, so
// `@license-hub/client` can take them at runtime through `@license-hub/contract/ws` without
// pulling TypeBox into the extension; the schemas built on them are in ../schemas/ws.ts.

/** Every event type the server sends, each with `data.severity` and `data.message`. */
export const LICENSE_EVENT_TYPES = [
  'license_expiring',
  'license_expired',
  'usage_limit_warning',
  'usage_limit_exceeded',
  'module_activated',
  'module_deactivated',
  'license_updated',
  'session_ended',
] as const
export type LicenseEventType = (typeof LICENSE_EVENT_TYPES)[number]

export const SEVERITIES = ['info', 'warning', 'error'] as const
export type Severity = (typeof SEVERITIES)[number]

/** Why a session ended; the server sends `session_ended` for all but `logout`. */
export const SESSION_END_REASONS = ['forced', 'revoked', 'expired', 'allocation', 'logout'] as const
export type SessionEndReason = (typeof SESSION_END_REASONS)[number]

/** The close codes the server uses, one name each. */
export const CLOSE_CODES = {
  /** The node is going away (shutdown): reconnect. */
  goingAway: 1001,
  /** Missing, invalid or expired token: do not retry with the same token. */
  badToken: 1008,
  /** A node or tenant connection cap was reached: retry later. */
  tryAgainLater: 1013,
  /** The client did not read its messages fast enough: reconnect. */
  slowConsumer: 4000,
} as const
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES]

export function isLicenseEventType(value: unknown): value is LicenseEventType {
  return (LICENSE_EVENT_TYPES as readonly unknown[]).includes(value)
}

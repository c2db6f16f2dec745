export type LicenseEventType =
  | 'license_expiring' | 'license_expired' | 'usage_limit_warning' | 'usage_limit_exceeded'
  | 'module_activated' | 'module_deactivated' | 'license_updated' | 'session_ended'

/** A license event as the server sends it (see the contract's WebSocket section). */
export interface LicenseEventMessage {
  id: string
  type: LicenseEventType
  tenantId: string
  timestamp: string
  data: { severity: 'info' | 'warning' | 'error'; message: string } & Record<string, unknown>
}

export type ServerMessage = LicenseEventMessage | { type: 'pong'; timestamp: string } | { type: 'resync' }

/** Close codes of the contract. */
export const CLOSE_CODES = { goingAway: 1001, badToken: 1008, tryAgainLater: 1013, slowConsumer: 4000 } as const

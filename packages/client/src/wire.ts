/**
 * The wire format the client speaks. Every shape comes from @license-hub/contract, the schemas the
 * api validates with; this module only re-exports them (type-only, so nothing of the contract or of
 * TypeBox is loaded at run time) and holds the few constants a client needs.
 */
export type * from './contract-types.js'

// These answers' schemas are still declared inside the api's route files (not yet in the contract).
export interface SyncResult {
  source: 'external' | 'local'
  licensesSynced: number
  changed: number
  durationMs: number
  status: 'synced' | 'no-license' | 'local-mode'
}
/**
 * GET /api/events. The contract's EventHistoryPage/EventHistoryQuery build their `type` union from
 * a mapped array, which TypeBox's static types read as `never`; these say the same thing by hand.
 */
export interface EventPage { events: LicenseEventMessage[]; next: string | null }
export interface EventQuery { after?: string; limit?: number; type?: LicenseEventType }
export interface WsStats { totalTenants: number; totalConnections: number; tenantConnections: Record<string, number> }

export type Severity = 'info' | 'warning' | 'error'

export type LicenseEventType =
  | 'license_expiring' | 'license_expired' | 'usage_limit_warning' | 'usage_limit_exceeded'
  | 'module_activated' | 'module_deactivated' | 'license_updated' | 'session_ended'

export type SessionEndReason = 'forced' | 'revoked' | 'expired' | 'allocation'

/** A license event as the server sends it (see the contract's WebSocket section). */
export interface LicenseEventMessage {
  id: string
  type: LicenseEventType
  tenantId: string
  timestamp: string
  data: { severity: Severity; message: string } & Record<string, unknown>
}

export type ServerMessage = LicenseEventMessage | { type: 'pong'; timestamp: string } | { type: 'resync' }

/** Close codes of the contract. */
export const CLOSE_CODES = { goingAway: 1001, badToken: 1008, tryAgainLater: 1013, slowConsumer: 4000 } as const

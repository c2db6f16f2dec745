/**
 * The wire format the client speaks, all of it from @license-hub/contract: the REST and WebSocket
 * shapes are the schemas the api validates with (type-only imports, see contract-types.ts), and the
 * constants come from the contract's dependency-free `./ws` entry (no TypeBox at run time). The
 * packed package carries both inside itself (scripts/build.ts).
 */
export type * from './contract-types.js'
export { CLOSE_CODES, LICENSE_EVENT_TYPES, SESSION_END_REASONS, SEVERITIES, isLicenseEventType } from '@license-hub/contract/ws'

// These answers' schemas are still declared inside the api's route files (not yet in the contract).
export interface SyncResult {
  source: 'external' | 'local'
  licensesSynced: number
  changed: number
  durationMs: number
  status: 'synced' | 'no-license' | 'local-mode'
}
export interface WsStats { totalTenants: number; totalConnections: number; tenantConnections: Record<string, number> }

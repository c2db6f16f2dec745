/**
 * The wire format the client speaks, all of it from @license-hub/contract: the REST and WebSocket
 * shapes are the schemas the api validates with (type-only imports, see contract-types.ts), and the
 * constants come from the contract's dependency-free `./ws` entry (no TypeBox at run time). The
 * packed package carries both inside itself (scripts/build.ts).
 */
export type * from './contract-types.js'
export { CLOSE_CODES, LICENSE_EVENT_TYPES, SESSION_END_REASONS, SEVERITIES, isLicenseEventType } from '@license-hub/contract/ws'

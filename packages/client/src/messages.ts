// The wire format is the contract's. Types are erased at build; the constants come from the
// contract's dependency-free `./ws` entry, so the client carries no TypeBox at runtime.
export type {
  ClientMessage, LicenseEventData, LicenseEventMessage, PongMessage, ResyncMessage, ServerMessage, SessionEndReason, Severity,
} from '@license-hub/contract'
export { CLOSE_CODES, LICENSE_EVENT_TYPES, type CloseCode, type LicenseEventType } from '@license-hub/contract/ws'

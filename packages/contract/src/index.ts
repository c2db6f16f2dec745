export * from './errors.js'
export * from './schemas/common.js'
export * from './schemas/license.js'
export * from './schemas/auth.js'
export * from './schemas/user.js'
export * from './schemas/license-admin.js'
export * from './schemas/session.js'
export * from './sync.js'
export * from './schemas/events.js'
export * from './schemas/ws.js'
export * from './schemas/external-server.js'
export {
  CLOSE_CODES, LICENSE_EVENT_TYPES, SESSION_END_REASONS, SEVERITIES, isLicenseEventType, type CloseCode, type LicenseEventType,
} from './ws/constants.js'

import { Type, type Static, type TSchema } from 'typebox'
import { IsoDate } from './common.js'
import { SESSION_END_REASONS, SEVERITIES, type LicenseEventType } from '../ws/constants.js'

// The messages of `GET /ws/license`, as the server sends them and the client reads them. The
// event stream entries and the rows of GET /api/events carry the same message.

export const Severity = Type.Enum(SEVERITIES)
export type Severity = Static<typeof Severity>
export const SessionEndReason = Type.Enum(SESSION_END_REASONS)
export type SessionEndReason = Static<typeof SessionEndReason>

/** What every event's `data` has: a severity and a sentence a toast can show. */
const Toast = { severity: Severity, message: Type.String() }

const UsageData = Type.Object({
  activeSessions: Type.Integer({ minimum: 0 }),
  webrtcMaxUsers: Type.Integer({ minimum: 0 }),
  usagePercent: Type.Integer({ minimum: 0 }),
  ...Toast,
})

/** `data` of each event type. */
export const LicenseEventDataSchemas = {
  license_expiring: Type.Object({
    expiresAt: IsoDate, daysLeft: Type.Integer({ minimum: 0 }), licenseId: Type.Optional(Type.String()), ...Toast,
  }),
  license_expired: Type.Object({
    expiredAt: IsoDate, licenseId: Type.Optional(Type.String()),
    // The license's expiry date when it was told: a renewal (a new date) that expires is told again.
    licenseExpiresAt: Type.Optional(Type.Union([IsoDate, Type.Null()])), ...Toast,
  }),
  usage_limit_warning: UsageData,
  usage_limit_exceeded: UsageData,
  module_activated: Type.Object({ module: Type.String(), ...Toast }),
  module_deactivated: Type.Object({ module: Type.String(), ...Toast }),
  license_updated: Type.Object({ changes: Type.Array(Type.String()), ...Toast }),
  session_ended: Type.Object({ sessionId: Type.String({ format: 'uuid' }), reason: SessionEndReason, ...Toast }),
} satisfies Record<LicenseEventType, TSchema>

export type LicenseEventData = { [K in LicenseEventType]: Static<(typeof LicenseEventDataSchemas)[K]> }

/** An event without its envelope, as core builds it. */
export type LicenseEvent<T extends LicenseEventType = LicenseEventType> = {
  [K in T]: { type: K; data: LicenseEventData[K] }
}[T]

function eventMessage<K extends LicenseEventType>(type: K) {
  return Type.Object({
    /** The event's durable id: it increases, and survives a Redis restart. */
    id: Type.String({ pattern: '^[0-9]+$' }),
    type: Type.Literal(type),
    tenantId: Type.String({ format: 'uuid' }),
    timestamp: IsoDate,
    data: LicenseEventDataSchemas[type],
  })
}

export const LicenseEventMessage = Type.Union([
  eventMessage('license_expiring'),
  eventMessage('license_expired'),
  eventMessage('usage_limit_warning'),
  eventMessage('usage_limit_exceeded'),
  eventMessage('module_activated'),
  eventMessage('module_deactivated'),
  eventMessage('license_updated'),
  eventMessage('session_ended'),
], { description: 'A license event as the server sends it: { id, type, tenantId, timestamp, data }' })
/** A license event as the server sends it (narrow on `type` to reach its `data`). */
export type LicenseEventMessage<T extends LicenseEventType = LicenseEventType> = Extract<Static<typeof LicenseEventMessage>, { type: T }>

/**
 * An event as stored, appended to the tenant's stream and published to every api node: the server
 * message, plus for session_ended the user whose connections alone receive it (never sent).
 */
export type PublishedEvent = LicenseEventMessage & { userId?: string }

export const PongMessage = Type.Object({ type: Type.Literal('pong'), timestamp: IsoDate })
export type PongMessage = Static<typeof PongMessage>

/** The client may have missed events: it reloads the license over REST. */
export const ResyncMessage = Type.Object({ type: Type.Literal('resync') })
export type ResyncMessage = Static<typeof ResyncMessage>

export const ServerMessage = Type.Union([LicenseEventMessage, PongMessage, ResyncMessage])
export type ServerMessage = LicenseEventMessage | PongMessage | ResyncMessage

/** The only message a client sends: a ping. */
export const ClientMessage = Type.Object({ type: Type.Literal('ping') })
export type ClientMessage = Static<typeof ClientMessage>

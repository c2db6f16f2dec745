import { Type, type Static } from 'typebox'
import { IsoDate } from './common.js'

const EVENT_TYPES = [
  'license_expiring', 'license_expired', 'usage_limit_warning', 'usage_limit_exceeded',
  'module_activated', 'module_deactivated', 'license_updated', 'session_ended',
] as const

const EventId = Type.String({ pattern: '^[0-9]{1,18}$', description: 'an event id (a decimal integer, increasing)' })

/** A server message of the WebSocket, as GET /api/events gives it back. */
export const StoredServerMessage = Type.Object({
  id: EventId,
  type: Type.Union(EVENT_TYPES.map((type) => Type.Literal(type))),
  tenantId: Type.String({ format: 'uuid' }),
  timestamp: IsoDate,
  data: Type.Object({
    severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error')]),
    message: Type.String(),
  }, { additionalProperties: true, description: 'severity, message and the fields of its type (contract: WebSocket event types)' }),
}, { description: 'exactly as the WebSocket sent it, with the same id' })

export const EventHistoryQuery = Type.Object({
  after: Type.Optional(Type.String({ ...EventId, description: 'exclusive: the events after this id (from the oldest kept when absent)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'at most this many (1-500, default 100)' })),
  type: Type.Optional(Type.Union(EVENT_TYPES.map((type) => Type.Literal(type)), { description: 'only events of this type' })),
})
export type EventHistoryQuery = Static<typeof EventHistoryQuery>

export const EventHistoryPage = Type.Object({
  events: Type.Array(StoredServerMessage, { description: 'oldest first' }),
  next: Type.Union([EventId, Type.Null()], { description: 'the last id returned, to pass as `after`; null when there is nothing more' }),
})
export type EventHistoryPage = Static<typeof EventHistoryPage>

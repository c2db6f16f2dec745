import { Type, type Static } from 'typebox'
import { LICENSE_EVENT_TYPES } from '../ws/constants.js'
import { LicenseEventMessage } from './ws.js'
import { Nullable } from './common.js'

const EventId = Type.String({ pattern: '^[0-9]{1,18}$', description: 'an event id (a decimal integer, increasing)' })

/** A page of GET /api/events and `cli events`: this many events unless asked, at most EVENT_PAGE_MAX. */
export const EVENT_PAGE_DEFAULT = 100
export const EVENT_PAGE_MAX = 500

export const EventHistoryQuery = Type.Object({
  after: Type.Optional(Type.String({ ...EventId, description: 'exclusive: the events after this id (from the oldest kept when absent)' })),
  limit: Type.Optional(Type.Integer({
    minimum: 1,
    maximum: EVENT_PAGE_MAX,
    default: EVENT_PAGE_DEFAULT,
    description: `at most this many (1-${EVENT_PAGE_MAX}, default ${EVENT_PAGE_DEFAULT})`,
  })),
  type: Type.Optional(Type.Enum(LICENSE_EVENT_TYPES, { description: 'only events of this type' })),
})
export type EventHistoryQuery = Static<typeof EventHistoryQuery>

export const EventHistoryPage = Type.Object({
  events: Type.Array(LicenseEventMessage, { description: 'oldest first, each exactly as the WebSocket sent it, with the same id' }),
  next: Nullable(EventId, { description: 'the last id returned, to pass as `after`; null when there is nothing more' }),
})
export type EventHistoryPage = Static<typeof EventHistoryPage>

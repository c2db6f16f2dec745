/**
 * The REST shapes, taken from @license-hub/contract: the TypeBox schemas the api validates and
 * documents with. Type-only: nothing of the contract or of TypeBox is loaded at run time. The
 * packed package carries these types expanded into plain declarations (scripts/build.ts), since
 * the contract is not published.
 */
import type { Static } from 'typebox'
import type {
  ActiveSession as ActiveSessionType, AllocationResult as AllocationResultSchema, CreateSessionBody as CreateSessionBodyType,
  CreateUserBody as CreateUserBodyType, ErrorResponse as ErrorResponseType, GenerateLicenseBody as GenerateLicenseBodyType,
  LicenseRecord as LicenseRecordType, LicenseSummary as LicenseSummaryType, LicenseTypeView as LicenseTypeViewType,
  LicenseUser as LicenseUserSchema, LoginBody as LoginBodyType, LoginResponse as LoginResponseType,
  SessionCount as SessionCountType, SessionGrant as SessionGrantType, SessionValidation as SessionValidationType,
  UserView as UserViewType, WebrtcSessions as WebrtcSessionsSchema, EventHistoryPage as EventHistoryPageType,
  EventHistoryQuery as EventHistoryQueryType, LicenseEventMessage as LicenseEventMessageType, LicenseEventData as LicenseEventDataType,
  ServerMessage as ServerMessageType, PongMessage as PongMessageType, ResyncMessage as ResyncMessageType,
  ClientMessage as ClientMessageType, SyncResult as SyncResultType, WsStats as WsStatsType,
} from '@license-hub/contract'
import type {
  CloseCode as CloseCodeType, LicenseEventType as LicenseEventTypeType, SessionEndReason as SessionEndReasonType, Severity as SeverityType,
} from '@license-hub/contract/ws'

export type ActiveSession = ActiveSessionType
export type CreateSessionBody = CreateSessionBodyType
export type CreateUserBody = CreateUserBodyType
export type ErrorResponse = ErrorResponseType
export type GenerateLicenseBody = GenerateLicenseBodyType
export type LicenseRecord = LicenseRecordType
export type LicenseSummary = LicenseSummaryType
export type LicenseTypeView = LicenseTypeViewType
export type LoginBody = LoginBodyType
export type LoginResponse = LoginResponseType
export type SessionCount = SessionCountType
export type SessionGrant = SessionGrantType
export type SessionValidation = SessionValidationType
export type UserView = UserViewType
export type AllocationResult = Static<typeof AllocationResultSchema>
export type LicenseUser = Static<typeof LicenseUserSchema>
export type WebrtcSessions = Static<typeof WebrtcSessionsSchema>
export type EventHistoryPage = EventHistoryPageType
export type EventHistoryQuery = EventHistoryQueryType
export type SyncResult = SyncResultType
export type WsStats = WsStatsType

// The WebSocket wire format.
export type LicenseEventType = LicenseEventTypeType
export type Severity = SeverityType
export type SessionEndReason = SessionEndReasonType
export type CloseCode = CloseCodeType
/** A license event as the server sends it: a union over `type`; narrow on it to reach its `data`. */
export type LicenseEventMessage = LicenseEventMessageType
/** `data` of each event type. */
export type LicenseEventData = LicenseEventDataType
export type PongMessage = PongMessageType
export type ResyncMessage = ResyncMessageType
export type ServerMessage = ServerMessageType
export type ClientMessage = ClientMessageType

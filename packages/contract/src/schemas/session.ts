import { Type, type Static } from 'typebox'
import { IsoDate, MAX_SEATS, Nullable, Text, Uuid } from './common.js'
import { LicenseSummary } from './license.js'

export const CreateSessionBody = Type.Object({
  deviceId: Text({ minLength: 1, maxLength: 200, description: 'identifies the browser profile running the extension' }),
  force: Type.Optional(Type.Boolean({ description: 'take the seat over from this user\'s other device (that session ends, reason forced)' })),
}, { description: 'unknown fields are ignored' })
export type CreateSessionBody = Static<typeof CreateSessionBody>

export const SessionGrant = Type.Object({
  sessionId: Uuid,
  expiresAt: Type.String({ format: 'date-time', description: 'when the seat lapses unless a heartbeat (validate-session) extends it' }),
  heartbeatIntervalSec: Type.Integer({ description: 'how often to call validate-session (SESSION_HEARTBEAT_SEC)' }),
  activeSessions: Type.Integer({ description: 'live seats of the license, this one included' }),
  webrtcMaxUsers: Type.Integer({ description: 'the allocation in force' }),
})
export type SessionGrant = Static<typeof SessionGrant>

export const SessionIdBody = Type.Object({ sessionId: Uuid }, { description: 'unknown fields are ignored' })
export type SessionIdBody = Static<typeof SessionIdBody>

export const SessionValid = Type.Object({
  valid: Type.Literal(true),
  expiresAt: Type.String({ format: 'date-time', description: 'the extended lease' }),
  license: LicenseSummary,
  activeSessions: Type.Integer(),
  webrtcMaxUsers: Type.Integer(),
})

export const SessionInvalid = Type.Object({
  valid: Type.Literal(false),
  code: Type.String({ description: 'SESSION_NOT_FOUND (unknown, ended or lapsed), or why the seat was ended now: LICENSE_NOT_FOUND, LICENSE_INACTIVE, LICENSE_EXPIRED, FEATURE_NOT_LICENSED, NO_ALLOCATION, USER_NOT_ALLOCATED' }),
  message: Type.String(),
})

export const SessionValidation = Type.Union([SessionValid, SessionInvalid])
export type SessionValidation = Static<typeof SessionValidation>

export const SessionEnded = Type.Object({ ended: Type.Literal(true) })

export const SessionCount = Type.Object({
  activeSessions: Type.Integer(),
  webrtcMaxUsers: Type.Integer({ description: 'the allocation in force' }),
  available: Type.Integer({ description: 'seats left, never below 0 (a lowered allocation can leave more live seats than allowed)' }),
  usagePercent: Type.Integer({ description: 'activeSessions / webrtcMaxUsers, rounded; 100 when nothing is allocated but a seat is live' }),
})
export type SessionCount = Static<typeof SessionCount>

export const ActiveSession = Type.Object({
  sessionId: Uuid,
  userId: Uuid,
  email: Type.String(),
  deviceId: Type.String(),
  createdAt: IsoDate,
  lastSeenAt: IsoDate,
})
export type ActiveSession = Static<typeof ActiveSession>

export const LicenseIdParams = Type.Object({ id: Uuid })
export const LicenseUserParams = Type.Object({ id: Uuid, userId: Uuid })

/** The seed's shape (snake_case `webrtc_max_users`, as the license server answers it). */
export const WebrtcSessions = Type.Object({
  webrtc_max_users: Type.Integer({ description: 'the allocation in force: the smaller of the license server\'s and the admin\'s' }),
  activeSessions: Type.Integer({ description: 'our live seats on this license' }),
})

export const AllocationBody = Type.Object({
  webrtcMaxUsers: Type.Integer({ minimum: 0, maximum: MAX_SEATS, description: 'the admin\'s allocation, 0 to the license\'s max_users' }),
}, { description: 'unknown fields are ignored' })

export const AllocationResult = Type.Object({
  licenseId: Uuid,
  maxUsers: Type.Integer({ description: 'the license\'s max_users, the allocation\'s upper bound' }),
  webrtcAllocation: Nullable(Type.Integer(), { description: 'the admin\'s allocation as stored' }),
  webrtcMaxUsers: Type.Integer({ description: 'the allocation in force' }),
  activeSessions: Type.Integer({ description: 'live seats: may exceed the allocation after lowering it (they are kept)' }),
})
export type AllocationResult = Static<typeof AllocationResult>

export const LicenseUser = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
  webrtcEnabled: Type.Boolean(),
  online: Type.Boolean({ description: 'holds a live seat on this license' }),
})
export type LicenseUser = Static<typeof LicenseUser>

export const UserWebrtcBody = Type.Object({ enabled: Type.Boolean() }, { description: 'unknown fields are ignored' })

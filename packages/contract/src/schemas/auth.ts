import { Type, type Static } from 'typebox'
import { LicenseSummary } from './license.js'
import { Text, Uuid } from './common.js'

// Not format 'email': the default admin is admin@localhost, which has no dot in its domain.
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@\\u0000-\\u001f\\u007f]+@[^\\s@\\u0000-\\u001f\\u007f]+$', description: 'compared case-insensitively' })
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('user')])

export const LoginBody = Type.Object({
  email: Email,
  password: Text({ minLength: 1, maxLength: 1024 }),
  client: Type.Optional(Type.Union([Type.Literal('extension'), Type.Literal('web')], {
    description: 'extension: the license and the user\'s WebRTC access are checked at login and a refusal is a 403/404; web (default): login succeeds and `webrtc` says whether the extension would be allowed',
  })),
}, { additionalProperties: false })
export type LoginBody = Static<typeof LoginBody>

export const LoginUser = Type.Object({ id: Uuid, tenantId: Uuid, email: Type.String(), name: Type.String(), role: Role })

export const WebrtcAccess = Type.Object({
  allowed: Type.Boolean(),
  code: Type.Optional(Type.String({ description: 'the refusal\'s error code, e.g. FEATURE_NOT_LICENSED, when not allowed' })),
  message: Type.Optional(Type.String()),
}, { description: 'whether this user may use the WebRTC extension now (the seat limit is checked at create-session)' })

export const LoginResponse = Type.Object({
  token: Type.String({ description: 'HS256 JWT for `Authorization: Bearer`, valid for 12 hours' }),
  user: LoginUser,
  license: Type.Union([LicenseSummary, Type.Null()], {
    description: 'the tenant\'s license in force (also when inactive or expired, see `webrtc`); null when the tenant has none (web client only: the extension gets 404 LICENSE_NOT_FOUND)',
  }),
  webrtc: WebrtcAccess,
})
export type LoginResponse = Static<typeof LoginResponse>

/** A token is honoured at most this long after it was signed: login issues tokens of this lifetime,
 * the api refuses an `exp` further away, and the CLI mints none longer. */
export const TOKEN_MAX_TTL_SEC = 12 * 3600

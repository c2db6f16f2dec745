import { Type, type Static } from 'typebox'

/**
 * The external license server's JSON (we are its client: packages/license-server reads it, core
 * maps it to our records), in its own snake_case format (the seed's). Unknown fields
 * are allowed, since the server may add some; the ones we read must have the right shape, or the
 * whole answer is refused: a half-read list would withdraw the licenses it failed to read.
 */
const Features = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String(), Type.Null()])
const Count = Type.Integer({ minimum: 0 })
const DateText = Type.Union([Type.String({ minLength: 1 }), Type.Null()])

export const ExternalLicenseType = Type.Object({
  id: Type.Integer(),
  name: Type.String({ minLength: 1 }),
  features: Type.Optional(Features),
  max_concurrent_users: Type.Optional(Count),
  max_users: Type.Optional(Count),
  price_monthly: Type.Optional(Type.Union([Type.Number(), Type.String()])),
})

export const ExternalLicense = Type.Object({
  id: Type.Union([Type.Integer(), Type.String({ minLength: 1 })]),
  organization_name: Type.String(),
  server_fingerprint: Type.String({ minLength: 1 }),
  status: Type.String({ minLength: 1 }),
  max_users: Count,
  webrtc_max_users: Count,
  license_type_id: Type.Integer(),
  license_type: Type.Optional(Type.Union([ExternalLicenseType, Type.Null()])),
  features: Type.Optional(Features),
  expires_at: Type.Optional(DateText),
  issued_at: Type.Optional(DateText),
})

export const LicensesAnswer = Type.Object({ data: Type.Array(ExternalLicense) })
export const LicenseTypesAnswer = Type.Object({ data: Type.Array(ExternalLicenseType) })
export const WebrtcSessionsAnswer = Type.Object({ webrtc_max_users: Count, activeSessions: Type.Optional(Count) })

export type ExternalLicense = Static<typeof ExternalLicense>
export type ExternalLicenseType = Static<typeof ExternalLicenseType>
export type WebrtcSessionsAnswer = Static<typeof WebrtcSessionsAnswer>

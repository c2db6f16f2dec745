import { Type, type Static } from 'typebox'
import { Features } from './license.js'
import { IsoDate, MAX_INT4, MAX_SEATS, Nullable, NullableIsoDate, Text, Uuid } from './common.js'

export const LicenseTypeView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  maxUsers: Type.Integer(),
  features: Features,
  priceMonthly: Type.String({ description: 'decimal, e.g. "79.99"' }),
  source: Type.Union([Type.Literal('seed'), Type.Literal('external')]),
})
export type LicenseTypeView = Static<typeof LicenseTypeView>

/** A stored license (external copy or local), as GET /api/licenses/ lists them. */
export const LicenseRecord = Type.Object({
  id: Uuid,
  source: Type.Union([Type.Literal('external'), Type.Literal('local')]),
  externalId: Nullable(Type.String(), { description: 'the license server\'s id (external licenses)' }),
  organizationName: Type.String(),
  serverFingerprint: Type.String(),
  status: Type.String(),
  licenseTypeId: Type.Integer(),
  features: Features,
  maxUsers: Type.Integer(),
  webrtcMaxUsers: Type.Integer({ description: 'the allocation in force' }),
  webrtcAllocation: Nullable(Type.Integer(), { description: 'the admin\'s allocation, null when unset' }),
  issuedAt: IsoDate,
  expiresAt: NullableIsoDate,
  lastSyncedAt: NullableIsoDate,
  withdrawnAt: Nullable(IsoDate, { description: 'set when the license server stopped listing it' }),
  signatureValid: Nullable(Type.Boolean(), { description: 'local licenses: the signature verifies (a false one is never used); null for external' }),
  inForce: Type.Boolean({ description: 'this is the license GET /api/licenses/current answers with' }),
})
export type LicenseRecord = Static<typeof LicenseRecord>

const DateInput = Text({ minLength: 10, maxLength: 40, description: 'ISO 8601 date-time, or a date (YYYY-MM-DD: the end of that day, UTC, for expiry; its start for issue)' })

/** The seed's curl example: snake_case dates as it shows them, camelCase accepted too. */
export const GenerateLicenseBody = Type.Object({
  organizationName: Text({ minLength: 1, maxLength: 200 }),
  licenseTypeId: Type.Integer({ minimum: 1, maximum: MAX_INT4 }),
  serverFingerprint: Type.Optional(Text({ minLength: 1, maxLength: 200, description: 'must be the tenant\'s fingerprint when given (the default)' })),
  issued_at: Type.Optional(DateInput),
  expires_at: Type.Optional(DateInput),
  issuedAt: Type.Optional(DateInput),
  expiresAt: Type.Optional(DateInput),
  webrtcMaxUsers: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SEATS, description: 'defaults to the type\'s max users, and never exceeds it' })),
}, { additionalProperties: false })
export type GenerateLicenseBody = Static<typeof GenerateLicenseBody>

export const LegacyBody = Type.Unknown({ description: 'ignored' })
/** A legacy route's `:id`: any string, since the answer is 501 whatever it names. */
export const LegacyIdParams = Type.Object({ id: Type.String({ maxLength: 200 }) })

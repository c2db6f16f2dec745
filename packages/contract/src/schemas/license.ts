import { Type, type Static } from 'typebox'
import { IsoDate, NullableIsoDate, Uuid } from './common.js'

export const Features = Type.Record(Type.String(), Type.Boolean(), { description: 'feature flags; always an object, however stored' })

export const LicenseTypeSummary = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  features: Features,
  maxConcurrentUsers: Type.Integer(),
})

export const LicenseSummary = Type.Object({
  id: Uuid,
  source: Type.Union([Type.Literal('external'), Type.Literal('local')], { description: 'external: synced from the license server; local: signed locally (fallback)' }),
  organizationName: Type.String(),
  status: Type.String(),
  licenseType: LicenseTypeSummary,
  features: Features,
  webrtcEnabled: Type.Boolean({ description: 'the license carries the webrtc_extension feature' }),
  maxUsers: Type.Integer(),
  webrtcMaxUsers: Type.Integer({ description: 'the allocation in force: the smaller of the license server\'s and the admin\'s' }),
  issuedAt: IsoDate,
  expiresAt: NullableIsoDate,
  lastSyncedAt: NullableIsoDate,
}, { $id: 'LicenseSummary' })
export type LicenseSummary = Static<typeof LicenseSummary>

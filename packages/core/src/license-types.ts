import { deepFreeze } from './collections.js'
import { WEBRTC_FEATURE, type Features } from './features.js'

export interface SeededLicenseType {
  id: number
  name: string
  maxUsers: number
  features: Features
  priceMonthly: string
}

export const DEVELOPER_LICENSE_TYPE_ID = 4

const BASIC = ['calls', 'recording', 'transfers', 'conferences', 'reports', 'crm', 'zoho']
const PROFESSIONAL = [...BASIC, 'whatsapp', 'sms', 'video', 'voicemail', 'email', WEBRTC_FEATURE]
const ENTERPRISE = [...PROFESSIONAL, 'salesforce', 'twilio', 'facebook', 'third_party_integrations']

function seeded(id: number, name: string, maxUsers: number, features: readonly string[], priceMonthly: string): SeededLicenseType {
  return { id, name, maxUsers, features: Object.fromEntries(features.map((feature) => [feature, true])), priceMonthly }
}

// The contract departs from the seed: Developer carries every feature, WebRTC included. Deeply
// frozen: every node shares these objects, and the api writes the JSON of a deeply frozen value once.
export const SEEDED_LICENSE_TYPES: readonly SeededLicenseType[] = deepFreeze([
  seeded(1, 'Basic', 2, BASIC, '29.99'),
  seeded(2, 'Professional', 5, PROFESSIONAL, '79.99'),
  seeded(3, 'Enterprise', 25, ENTERPRISE, '199.99'),
  seeded(DEVELOPER_LICENSE_TYPE_ID, 'Developer', 1, ENTERPRISE, '0.00'),
])

export function seededLicenseType(id: number): SeededLicenseType | undefined {
  return SEEDED_LICENSE_TYPES.find((type) => type.id === id)
}

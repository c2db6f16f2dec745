import type { LicenseTypeView } from '@license-hub/contract'
import { parseFeatures } from '@license-hub/core'
import type { LicenseType } from '@license-hub/db'

export function licenseTypeView(type: LicenseType): LicenseTypeView {
  return {
    id: type.id, name: type.name, maxUsers: type.maxUsers, features: parseFeatures(type.features).features,
    priceMonthly: String(type.priceMonthly), source: type.source,
  }
}

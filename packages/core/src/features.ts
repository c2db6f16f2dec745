export const WEBRTC_FEATURE = 'webrtc_extension'

export type Features = Record<string, boolean>

export interface ParsedFeatures {
  features: Features
  malformed: boolean
}

// Some writers stored JSON.stringify(JSON.stringify(features)), so unwrap one extra level.
const MAX_STRING_LAYERS = 2

export function parseFeatures(raw: unknown): ParsedFeatures {
  let value = raw
  for (let layer = 0; typeof value === 'string' && layer < MAX_STRING_LAYERS; layer++) {
    if (value.trim() === '') return { features: {}, malformed: false }
    try {
      value = JSON.parse(value)
    } catch {
      return { features: {}, malformed: true }
    }
  }
  if (value === null || value === undefined) return { features: {}, malformed: false }
  if (typeof value !== 'object' || Array.isArray(value)) return { features: {}, malformed: true }
  const entries = Object.entries(value).flatMap(([name, flag]) => {
    const on = toFlag(flag)
    return on === undefined ? [] : [[name, on] as const]
  })
  return { features: Object.fromEntries(entries), malformed: false }
}

export function hasFeature(features: Features | null | undefined, name: string): boolean {
  return features != null && Object.hasOwn(features, name) && features[name] === true
}

function toFlag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value
  if (value === 1 || value === 0) return value === 1
  if (typeof value !== 'string') return undefined
  const text = value.trim().toLowerCase()
  if (text === 'true' || text === '1') return true
  if (text === 'false' || text === '0') return false
  return undefined
}

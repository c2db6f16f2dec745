import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import type { Features } from './features.js'

export interface LocalLicensePayload {
  tenantId: string
  organizationName: string
  serverFingerprint: string
  licenseTypeId: number
  status: string
  maxUsers: number
  webrtcMaxUsers: number
  features: Features
  issuedAt: string
  expiresAt: string | null
}

export function canonicalJson(value: unknown): string {
  return serialize(value) ?? 'null'
}

export function signLicense(payload: LocalLicensePayload, privateKeyPem: string): string {
  return sign('sha256', signedBytes(payload), createPrivateKey(privateKeyPem)).toString('base64')
}

export function verifyLicense(payload: LocalLicensePayload, signature: string, publicKeyPem: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem)
    if (key.asymmetricKeyType !== 'rsa' || typeof signature !== 'string') return false
    return verify('sha256', signedBytes(payload), key, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}

export function generateKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
}

// Only the declared fields are signed, so a payload read back from a row with extra columns still verifies.
function signedBytes(p: LocalLicensePayload): Buffer {
  const {
    tenantId, organizationName, serverFingerprint, licenseTypeId, status, maxUsers, webrtcMaxUsers, features, issuedAt, expiresAt,
  } = p
  const fields = {
    tenantId, organizationName, serverFingerprint, licenseTypeId, status, maxUsers, webrtcMaxUsers, features, issuedAt, expiresAt,
  }
  return Buffer.from(canonicalJson(fields), 'utf8')
}

// Hand-rolled because JS objects enumerate integer-like keys first, whatever order they were inserted in.
function serialize(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') {
    value = value.toJSON()
  }
  if (Array.isArray(value)) return `[${value.map((item) => serialize(item) ?? 'null').join(',')}]`
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  const record = value as Record<string, unknown>
  const members = Object.keys(record).sort().flatMap((key) => {
    const member = serialize(record[key])
    return member === undefined ? [] : [`${JSON.stringify(key)}:${member}`]
  })
  return `{${members.join(',')}}`
}

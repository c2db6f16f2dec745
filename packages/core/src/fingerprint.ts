import { randomBytes } from 'node:crypto'

export function generateFingerprint(): string {
  return randomBytes(32).toString('hex')
}

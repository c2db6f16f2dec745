import { generateKeyPair } from '@license-hub/core'
import type { Secrets } from '@license-hub/licensing'

let keys: { privateKey: string; publicKey: string } | undefined

/** One RSA pair per test process: generating one costs ~100 ms. */
export function testSecrets(): Secrets {
  keys ??= generateKeyPair()
  return { jwtSecret: 'test-secret-test-secret-test-secret-42', licensePrivateKey: keys.privateKey, licensePublicKey: keys.publicKey }
}

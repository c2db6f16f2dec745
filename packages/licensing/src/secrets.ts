import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config, Logger } from '@license-hub/config'
import { generateKeyPair } from '@license-hub/core'

export interface Secrets {
  jwtSecret: string
  licensePrivateKey: string
  licensePublicKey: string
}

interface GeneratedSecrets extends Secrets { createdAt: string }

/** Creates the file once; a process that loses the race reads the winner's copy. */
function readOrCreate(file: string): { secrets: GeneratedSecrets; created: boolean } {
  try {
    return { secrets: JSON.parse(readFileSync(file, 'utf8')) as GeneratedSecrets, created: false }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const { privateKey, publicKey } = generateKeyPair()
  const secrets: GeneratedSecrets = {
    jwtSecret: randomBytes(48).toString('base64url'), licensePrivateKey: privateKey, licensePublicKey: publicKey,
    createdAt: new Date().toISOString(),
  }
  try {
    writeFileSync(file, JSON.stringify(secrets, null, 2), { flag: 'wx', mode: 0o600 })
    return { secrets, created: true }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return readOrCreate(file)
  }
}

/**
 * The JWT secret and the local-license key pair. Production takes them from the environment;
 * elsewhere, what the environment lacks is generated once and kept under .data/.
 */
export function resolveSecrets(config: Config, log: Logger): Secrets {
  if (config.jwtSecret && config.licensePrivateKey && config.licensePublicKey) {
    return { jwtSecret: config.jwtSecret, licensePrivateKey: config.licensePrivateKey, licensePublicKey: config.licensePublicKey }
  }
  const dir = join(config.dataDir, 'secrets')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const file = join(dir, 'development-secrets.json')
  const { secrets, created } = readOrCreate(file)
  const missing = [!config.jwtSecret && 'JWT_SECRET', !config.licensePrivateKey && 'LICENSE_PRIVATE_KEY/LICENSE_PUBLIC_KEY'].filter(Boolean)
  log.warn({ file, missing }, `${missing.join(' and ')} not set: using development values ${created ? 'generated now' : 'generated earlier'} and kept under .data/; set them in production`)
  const keysFromEnv = config.licensePrivateKey && config.licensePublicKey
  return {
    jwtSecret: config.jwtSecret ?? secrets.jwtSecret,
    licensePrivateKey: keysFromEnv ? config.licensePrivateKey! : secrets.licensePrivateKey,
    licensePublicKey: keysFromEnv ? config.licensePublicKey! : secrets.licensePublicKey,
  }
}

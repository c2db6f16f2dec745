import { pino } from 'pino'
import type { FastifyInstance } from 'fastify'
import { loadConfig, type Config } from '@license-hub/config'
import { generateKeyPair } from '@license-hub/core'
import { createDb, type Db } from '@license-hub/db'
import { ensureDefaults, type Defaults, type Secrets } from '@license-hub/licensing'
import { buildApp } from '@license-hub/api/app'
import { createTestDatabase, redisPrefix } from './context.js'
import { harnessEnv } from './env.js'

type Teardown = { teardown: (fn: () => unknown) => void }

let keys: { privateKey: string; publicKey: string } | undefined
/** One RSA pair per test process: generating one costs ~100 ms. */
export function testSecrets(): Secrets {
  keys ??= generateKeyPair()
  return { jwtSecret: 'test-secret-test-secret-test-secret-42', licensePrivateKey: keys.privateKey, licensePublicKey: keys.publicKey }
}

export interface TestApp {
  app: FastifyInstance
  db: Db
  config: Config
  secrets: Secrets
  defaults: Defaults
  databaseUrl: string
  redisUrl: string
  redisPrefix: string
}

/** A real api instance on this test's own database and Redis key prefix, closed at teardown. */
export async function buildTestApp(t: Teardown, env: NodeJS.ProcessEnv = {}, shared?: { databaseUrl: string; redisUrl?: string; redisPrefix?: string }): Promise<TestApp> {
  const databaseUrl = shared?.databaseUrl ?? (await createTestDatabase(t)).url
  const redisUrl = shared?.redisUrl ?? harnessEnv().redisUrl
  const prefix = shared?.redisPrefix ?? redisPrefix()
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password', ...env })
  const secrets = testSecrets()
  const db = createDb(databaseUrl, { max: 3 })
  t.teardown(() => db.destroy())
  const defaults = await ensureDefaults(db, config, secrets.licensePrivateKey)
  const logger = pino({ level: config.logLevel })
  const app = await buildApp({ config, secrets, databaseUrl, redisUrl, logger, redisPrefix: prefix })
  t.teardown(() => app.close())
  await app.ready()
  return { app, db, config, secrets, defaults, databaseUrl, redisUrl, redisPrefix: prefix }
}

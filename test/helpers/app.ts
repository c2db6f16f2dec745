import { pino } from 'pino'
import type { FastifyInstance } from 'fastify'
import { loadConfig, loggerOptions, type Config } from '@license-hub/config'
import { createDb, type Db } from '@license-hub/db'
import { ensureDefaults, type Defaults, type Secrets } from '@license-hub/licensing'
import { buildApp, type AppOptions } from '@license-hub/api/app'
import type { RedisTarget } from '@license-hub/redis'
import { createTestDatabase, harnessEnv, redisPrefix, testSecrets } from '@license-hub/test-support'

type Teardown = { teardown: (fn: () => unknown) => void }

export interface TestApp {
  app: FastifyInstance
  db: Db
  config: Config
  secrets: Secrets
  defaults: Defaults
  databaseUrl: string
  redisUrl: RedisTarget
  redisPrefix: string
}

export interface TestAppOptions {
  /** Environment variables on top of the test defaults. */
  env?: NodeJS.ProcessEnv
  /** Share another instance's database / Redis / prefix, e.g. to run two api nodes. */
  databaseUrl?: string
  /** A redis:// URL, or a cluster's seeds. */
  redisUrl?: RedisTarget
  redisPrefix?: string
  now?: () => Date
  /** Runs before app.ready(), e.g. to add a probe route. */
  beforeReady?: (app: FastifyInstance) => void | Promise<void>
  /** WebSocket hub tuning, e.g. a short ping period or a small back-pressure bound. */
  wsHub?: AppOptions['wsHub']
  /** Capture the app's log lines (the production options, redaction included); set LOG_LEVEL in env to see them. */
  logStream?: NodeJS.WritableStream
}

/** A real api instance on this test's own database and Redis key prefix, closed at teardown. */
export async function buildTestApp(t: Teardown, options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase(t)).url
  const redisUrl = options.redisUrl ?? harnessEnv().redisUrl
  const prefix = options.redisPrefix ?? redisPrefix()
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password', ...options.env })
  const secrets = testSecrets()
  const db = createDb(databaseUrl, { max: 3 })
  t.teardown(() => db.destroy())
  const defaults = await ensureDefaults(db, config, secrets)
  const logger = options.logStream
    ? pino({ ...loggerOptions(config.logLevel, 'api'), transport: undefined }, options.logStream)
    : pino({ level: config.logLevel })
  const app = await buildApp({
    config, secrets, databaseUrl, redisUrl, logger, redisPrefix: prefix, now: options.now, wsHub: options.wsHub,
  })
  t.teardown(() => app.close())
  await options.beforeReady?.(app)
  await app.ready()
  return { app, db, config, secrets, defaults, databaseUrl, redisUrl, redisPrefix: prefix }
}

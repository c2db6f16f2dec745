import { loadConfig } from '@license-hub/config'
import { createLicensingContext, ensureDefaults, type Defaults, type LicensingContext } from '@license-hub/licensing'
import { captureLog, type CapturedLog } from './captured-log.js'
import { redisPrefix, testDb, testRedis } from './databases.js'
import { testSecrets } from './secrets.js'

type Teardown = { teardown: (fn: () => unknown) => void }

export interface TestContext {
  ctx: LicensingContext
  defaults: Defaults
  log: CapturedLog
  /** Moves the context's clock. */
  clock: { now: Date }
}

/** A licensing context on this test's own database and Redis prefix, with a movable clock and captured logs. */
export async function licensingContext(t: Teardown, env: NodeJS.ProcessEnv = {}): Promise<TestContext> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password', ...env })
  const secrets = testSecrets()
  const db = await testDb(t)
  const redis = testRedis(t)
  const log = captureLog('licensing')
  const clock = { now: new Date() }
  const defaults = await ensureDefaults(db, config, secrets)
  const ctx = createLicensingContext({ config, secrets, db, redis, log: log.logger, redisPrefix: redisPrefix(), now: () => clock.now })
  return { ctx, defaults, log, clock }
}

import closeWithGrace from 'close-with-grace'
import { createLogger } from '@license-hub/config'
import { createDb, migrateToLatest } from '@license-hub/db'
import { ensureDefaults, loadConfigOrExit, resolveInfrastructure, resolveSecrets } from '@license-hub/licensing'
import { createRedis } from '@license-hub/redis'

const config = loadConfigOrExit()
const log = createLogger(config.logLevel, 'worker')
const infra = await resolveInfrastructure(config)
const secrets = resolveSecrets(config, log)

const db = createDb(infra.databaseUrl)
await migrateToLatest(db)
const defaults = await ensureDefaults(db, config, secrets.licensePrivateKey)
if (defaults.generatedAdmin) {
  console.log(`Admin login: ${defaults.generatedAdmin.email} / ${defaults.generatedAdmin.password} (shown once)`)
}
const redis = createRedis(infra.redisUrl, 'queue-worker')
redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'))

closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'worker shutting down after an error')
  else log.info({ signal }, 'worker shutting down')
  await redis.quit().catch(() => redis.disconnect())
  await db.destroy()
  await infra.release()
})

log.info({ fingerprint: defaults.fingerprint }, 'worker started')

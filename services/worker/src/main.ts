import closeWithGrace from 'close-with-grace'
import { createLogger } from '@license-hub/config'
import { createDb, migrateToLatest } from '@license-hub/db'
import { ensureDefaults, loadConfigOrExit, resolveInfrastructure, resolveSecrets } from '@license-hub/licensing'
import { startWorker } from './worker.js'

const config = loadConfigOrExit()
const log = createLogger(config.logLevel, 'worker')
const infra = await resolveInfrastructure(config)
const secrets = resolveSecrets(config, log)

const db = createDb(infra.databaseUrl)
await migrateToLatest(db)
const defaults = await ensureDefaults(db, config, secrets)
await db.destroy()
if (defaults.generatedAdmin) {
  console.log(`Admin login: ${defaults.generatedAdmin.email} / ${defaults.generatedAdmin.password} (shown once)`)
}

const worker = await startWorker({ config, secrets, redisUrl: infra.redisUrl, databaseUrl: infra.databaseUrl, logger: log })

// Running jobs get 25 s to finish (worker.close's own deadline) within close-with-grace's 30 s.
closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'worker shutting down after an error')
  else log.info({ signal }, 'worker shutting down')
  await worker.close()
  await infra.release()
})

log.info({ fingerprint: defaults.fingerprint }, 'worker started')

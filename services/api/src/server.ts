import closeWithGrace from 'close-with-grace'
import { createLogger } from '@license-hub/config'
import { createDb, migrateToLatest } from '@license-hub/db'
import { ensureDefaults, loadConfigOrExit, resolveInfrastructure, resolveSecrets } from '@license-hub/licensing'
import { buildApp } from './app.js'

const config = loadConfigOrExit()
const log = createLogger(config.logLevel, 'api')
const infra = await resolveInfrastructure(config)
const secrets = resolveSecrets(config, log)

const bootDb = createDb(infra.databaseUrl, { max: 2 })
await migrateToLatest(bootDb)
const defaults = await ensureDefaults(bootDb, config, secrets)
await bootDb.destroy()
if (defaults.generatedAdmin) {
  console.log(`Admin login: ${defaults.generatedAdmin.email} / ${defaults.generatedAdmin.password} (shown once)`)
}

const app = await buildApp({ config, secrets, databaseUrl: infra.databaseUrl, redisUrl: infra.redisUrl, logger: log })

closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an error')
  else log.info({ signal }, 'shutting down')
  app.draining = true
  await app.close()
  await infra.release()
})

await app.listen({ port: config.port, host: '0.0.0.0' })
log.info({ port: config.port, fingerprint: defaults.fingerprint }, 'api listening')

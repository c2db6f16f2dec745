/** `npm run migrate`: brings the schema up to date and ensures the default tenant, its license and the admin. */
import { createLogger } from '@license-hub/config'
import { createDb, migrateToLatest } from '@license-hub/db'
import { ensureDefaults, loadConfigOrExit, resolveInfrastructure, resolveSecrets } from '@license-hub/licensing'

const config = loadConfigOrExit()
const log = createLogger(config.logLevel, 'migrate')
const infra = await resolveInfrastructure(config)
const db = createDb(infra.databaseUrl, { max: 2 })
try {
  const applied = await migrateToLatest(db)
  const defaults = await ensureDefaults(db, config, resolveSecrets(config, log))
  log.info({ applied, tenantId: defaults.tenant.id, fingerprint: defaults.fingerprint }, applied.length ? 'migrations applied' : 'schema already up to date')
  if (defaults.generatedAdmin) {
    console.log(`Admin login: ${defaults.generatedAdmin.email} / ${defaults.generatedAdmin.password} (shown once)`)
  }
} finally {
  await db.destroy()
  await infra.release()
}

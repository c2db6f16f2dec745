/** `npm run migrate`: brings the schema up to date and ensures the default tenant, its license and the admin. */
import { bootProcess, showGeneratedAdmin } from './boot.js'

const { log, infra, defaults, applied } = await bootProcess('migrate')
log.info({ applied, tenantId: defaults.tenant.id, fingerprint: defaults.fingerprint }, applied.length ? 'migrations applied' : 'schema already up to date')
showGeneratedAdmin(defaults)
await infra.release()

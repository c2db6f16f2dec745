/** `npm run cli -- <command>`: operator tooling. */
import { createLogger } from '@license-hub/config'
import { createDb, migrateToLatest } from '@license-hub/db'
import { installationFingerprint, loadConfigOrExit, resolveInfrastructure } from '@license-hub/licensing'

const USAGE = `usage: npm run cli -- <command>
  fingerprint                       print the installation's server fingerprint`

const config = loadConfigOrExit()
const args = process.argv.slice(2)
if (args.length === 0 || args[0] === 'help' || args[0] === '--help') {
  console.log(USAGE)
  process.exit(0)
}
createLogger(config.logLevel, 'cli')
const infra = await resolveInfrastructure(config)
const db = createDb(infra.databaseUrl, { max: 2 })
let code = 0
try {
  await migrateToLatest(db)
  switch (args[0]) {
    case 'fingerprint':
      console.log(await installationFingerprint(db, config))
      break
    default:
      console.error(`unknown command: ${args.join(' ')}\n${USAGE}`)
      code = 2
  }
} finally {
  await db.destroy()
  await infra.release()
}
process.exit(code)

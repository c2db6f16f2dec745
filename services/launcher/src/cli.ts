/** `npm run cli -- <command>`: operator tooling. Results go to stdout (the new id alone on the last line), logs to stderr. */
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { AppError } from '@license-hub/contract'
import { loggerOptions, type Config, type Logger } from '@license-hub/config'
import { generateFingerprint } from '@license-hub/core'
import { createDb, findTenant, insertTenant, migrateToLatest, type Db } from '@license-hub/db'
import {
  createAccount, installationFingerprint, issueDeveloperLicense, issueLocalLicense, loadConfigOrExit,
  requestedLicenseDates, resolveInfrastructure, resolveSecrets, withLicenseChangeEvents, type LicensingContext,
} from '@license-hub/licensing'
import { createRedis, redisKeys } from '@license-hub/redis'

const USAGE = `usage: npm run cli -- <command>
  fingerprint                                   print the installation's server fingerprint
  tenant create --name N [--fingerprint F]      create a tenant and its signed local Developer license; prints its id
  user create --tenant ID --email E --password P [--name N] [--role admin|user] [--no-webrtc]
                                                create a user; prints its id
  license generate --tenant ID --type T [--expires DATE] [--issued DATE] [--organization NAME]
                                                issue a signed local license (DATE: YYYY-MM-DD or ISO date-time;
                                                a date alone expires at the end of that day, UTC); prints its id`

class UsageError extends Error {}

const OPTIONS = {
  name: { type: 'string' }, fingerprint: { type: 'string' }, tenant: { type: 'string' }, email: { type: 'string' },
  password: { type: 'string' }, role: { type: 'string' }, 'no-webrtc': { type: 'boolean' }, type: { type: 'string' },
  expires: { type: 'string' }, issued: { type: 'string' }, organization: { type: 'string' },
} as const

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values']

function required(flags: Flags, name: 'name' | 'tenant' | 'email' | 'password' | 'type'): string {
  const value = flags[name]
  if (!value) throw new UsageError(`--${name} is required`)
  return value
}

async function tenantOf(db: Db, id: string) {
  const tenant = /^[0-9a-f-]{36}$/i.test(id) ? await findTenant(db, id) : undefined
  if (!tenant) throw new AppError('NOT_FOUND', `no tenant ${id}`)
  return tenant
}

interface Run { config: Config; db: Db; log: Logger; redisUrl: string }

async function tenantCreate({ db, config, log }: Run, flags: Flags): Promise<string> {
  const name = required(flags, 'name')
  const fingerprint = flags.fingerprint ?? generateFingerprint()
  const secrets = resolveSecrets(config, log)
  const tenant = await db.transaction().execute(async (trx) => {
    const created = await insertTenant(trx, { name, fingerprint }).catch((err: { code?: string }) => {
      throw err.code === '23505' ? new AppError('CONFLICT', `a tenant with fingerprint ${fingerprint} already exists`) : err
    })
    await issueDeveloperLicense(trx, secrets.licensePrivateKey, created)
    return created
  })
  log.info({ tenantId: tenant.id }, 'tenant created with its local Developer license')
  console.log(`tenant ${tenant.name} (fingerprint ${tenant.fingerprint})`)
  return tenant.id
}

async function userCreate({ db, log }: Run, flags: Flags): Promise<string> {
  const tenant = await tenantOf(db, required(flags, 'tenant'))
  const role = flags.role ?? 'user'
  if (role !== 'admin' && role !== 'user') throw new UsageError('--role must be admin or user')
  const email = required(flags, 'email')
  const user = await createAccount(db, {
    tenantId: tenant.id, email, password: required(flags, 'password'), name: flags.name ?? email.split('@')[0]!,
    role, webrtcEnabled: !flags['no-webrtc'],
  })
  log.info({ tenantId: tenant.id, userId: user.id, role }, 'user created')
  console.log(`user ${user.email} (${user.role}, WebRTC ${user.webrtcEnabled ? 'enabled' : 'disabled'}) in tenant ${tenant.name}`)
  return user.id
}

async function licenseGenerate({ db, config, log, redisUrl }: Run, flags: Flags): Promise<string> {
  const tenant = await tenantOf(db, required(flags, 'tenant'))
  const typeId = Number(required(flags, 'type'))
  if (!Number.isInteger(typeId) || typeId < 1) throw new UsageError('--type must be a license type id, e.g. 2')
  const dates = requestedLicenseDates({ issuedAt: flags.issued, expiresAt: flags.expires }, new Date())
  const secrets = resolveSecrets(config, log)
  const redis = createRedis(redisUrl, 'command', { maxRetriesPerRequest: 1, connectTimeout: 3000 })
  // Each command's own failure is logged where it is caught (cache drop, event broadcast); this
  // only keeps ioredis from reporting the same fault as an unhandled 'error' event.
  redis.on('error', () => {})
  const ctx: LicensingContext = { config, secrets, db, redis, keys: redisKeys(), log, now: () => new Date() }
  // As the REST route does: the cached license is dropped so the new one applies now, and the
  // tenant's clients are told what changed in their license in force.
  const license = await withLicenseChangeEvents(ctx, tenant.id, () => issueLocalLicense(db, secrets.licensePrivateKey, {
    tenantId: tenant.id, organizationName: flags.organization ?? tenant.name, serverFingerprint: tenant.fingerprint,
    licenseTypeId: typeId, ...dates,
  })).finally(() => redis.disconnect())
  log.info({ tenantId: tenant.id, licenseId: license.id, licenseTypeId: typeId }, 'local license issued')
  console.log(`license type ${typeId} for ${license.organizationName}, expires ${license.expiresAt?.toISOString() ?? 'never'}`)
  return license.id
}

async function run(args: string[], ctx: Run): Promise<string | undefined> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  switch (positionals.join(' ')) {
    case 'fingerprint': return installationFingerprint(ctx.db, ctx.config)
    case 'tenant create': return tenantCreate(ctx, values)
    case 'user create': return userCreate(ctx, values)
    case 'license generate': return licenseGenerate(ctx, values)
    default: throw new UsageError(`unknown command: ${args.join(' ')}`)
  }
}

const config = loadConfigOrExit()
const args = process.argv.slice(2)
if (args.length === 0 || args[0] === 'help' || args[0] === '--help') {
  console.log(USAGE)
  process.exit(0)
}
const log = pino({ ...loggerOptions(config.logLevel, 'cli'), transport: undefined }, pino.destination(2))
const infra = await resolveInfrastructure(config)
const db = createDb(infra.databaseUrl, { max: 2 })
let code = 0
try {
  await migrateToLatest(db)
  const result = await run(args, { config, db, log, redisUrl: infra.redisUrl })
  if (result !== undefined) console.log(result)
} catch (err) {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(err as Error).message}\n${USAGE}`)
    code = 2
  } else if (err instanceof AppError) {
    console.error(`error: ${err.message}`)
    code = 1
  } else {
    throw err
  }
} finally {
  await db.destroy()
  await infra.release()
}
process.exit(code)

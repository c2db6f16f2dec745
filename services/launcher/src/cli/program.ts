import { Command, InvalidArgumentError, Option } from 'commander'
import {
  AppError, EVENT_PAGE_DEFAULT, EVENT_PAGE_MAX, LICENSE_EVENT_TYPES, TOKEN_MAX_TTL_SEC, type LicenseEventMessage, type SyncOutcome,
} from '@license-hub/contract'
import { parseDuration } from '@license-hub/config'
import { findUserByEmail, listTenants, type Db, type Tenant, type User } from '@license-hub/db'
import {
  changePassword, createAccount, createTenant, eventHistory, generateLicense, installationFingerprint, licenseRecords, listActiveSessions,
  resolveLicense, revokeSession, sessionCount, setAllocation, setUserWebrtcAccess, signAccessToken, tenantUsers, userView,
} from '@license-hub/licensing'
import { tenantConnections } from '@license-hub/redis'
import { CommandError, UsageError, type CliContext } from './context.js'
import { record, table, type Printer } from './output.js'
import { followEvents, runSync } from './live.js'

const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) => (value: string): number => {
  const n = Number(value)
  if (!/^-?[0-9]+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`)
  return n
}

const eventRow = (e: LicenseEventMessage) => ({ ...e, message: e.data.message })
const EVENT_COLUMNS: Array<[string, (e: ReturnType<typeof eventRow>) => unknown]> = [
  ['id', (e) => e.id], ['time', (e) => e.timestamp], ['type', (e) => e.type], ['message', (e) => e.message],
]
const tenantFields = (t: Tenant) => ({
  id: t.id, name: t.name, fingerprint: t.fingerprint, isDefault: t.isDefault, createdAt: t.createdAt.toISOString(),
})

async function userOf(db: Db, tenant: Tenant, email: string): Promise<User> {
  const user = await findUserByEmail(db, email)
  if (!user || user.tenantId !== tenant.id) throw new AppError('NOT_FOUND', `no user ${email} in tenant ${tenant.name}`)
  return user
}

/**
 * `npm run cli -- <noun> <verb>`: every command takes --json and --help. Each action goes through
 * the same licensing functions as the REST API, so the same rules apply and the same events go out.
 */
export function buildProgram(cli: CliContext, out: (json: boolean) => Printer): Command {
  const program = new Command('cli')
    .description('license-hub operator tooling: npm run cli -- <noun> <verb> [options]')
    .usage('<noun> <verb> [options]')
    .helpCommand(false)
    .showSuggestionAfterError()
  // --json on every command (stdout then carries exactly one JSON document).
  const command = (parent: Command, name: string, description: string) =>
    parent.command(name).description(description).option('--json', 'print exactly one JSON document on stdout')
  const noun = (name: string, description: string) => program.command(name).description(description).helpCommand(false)

  command(program, 'fingerprint', 'print the installation\'s server fingerprint').action(async (opts: { json?: boolean }) => {
    const fingerprint = cli.config.serverFingerprint ?? await installationFingerprint(await cli.readDb(), cli.config)
    out(Boolean(opts.json)).result({ fingerprint }, () => fingerprint)
  })

  const tenant = noun('tenant', 'tenants and their signed local Developer license')
  command(tenant, 'create', 'create a tenant and its signed local Developer license; prints its id on the last line')
    .requiredOption('--name <name>', 'the tenant\'s name')
    .option('--fingerprint <fingerprint>', 'the server fingerprint its external licenses carry (generated when absent)')
    .action(async (opts: { name: string; fingerprint?: string; json?: boolean }) => {
      const ctx = await cli.licensing('write')
      const created = await createTenant(ctx, { name: opts.name, fingerprint: opts.fingerprint })
      out(Boolean(opts.json)).result(tenantFields(created), () => `${record(tenantFields(created))}\n${created.id}`)
    })
  command(tenant, 'list', 'list the tenants').action(async (opts: { json?: boolean }) => {
    const tenants = await listTenants(await cli.readDb())
    out(Boolean(opts.json)).result(tenants.map(tenantFields), () => table(tenants, [
      ['id', (t) => t.id], ['name', (t) => t.name], ['fingerprint', (t) => t.fingerprint], ['default', (t) => t.isDefault], ['created', (t) => t.createdAt],
    ]))
  })

  const user = noun('user', 'users of a tenant')
  command(user, 'create', 'create a user; prints its id on the last line')
    .requiredOption('--tenant <id>', 'the tenant id').requiredOption('--email <email>', 'login email (unique, any case)')
    .requiredOption('--password <password>', 'login password').option('--name <name>', 'display name (default: the email\'s local part)')
    .addOption(new Option('--role <role>', 'role').choices(['admin', 'user']).default('user'))
    .option('--no-webrtc', 'create with WebRTC Extension access disabled')
    .action(async (opts: { tenant: string; email: string; password: string; name?: string; role: 'admin' | 'user'; webrtc: boolean; json?: boolean }) => {
      if (opts.password.length < 8) throw new UsageError('--password must be at least 8 characters')
      const ctx = await cli.licensing('write')
      const tenant = await cli.tenant(ctx, opts.tenant)
      const created = userView(await createAccount(ctx.db, {
        tenantId: tenant.id, email: opts.email, password: opts.password, name: opts.name ?? opts.email.split('@')[0]!, role: opts.role, webrtcEnabled: opts.webrtc,
      }))
      cli.log.info({ tenantId: tenant.id, userId: created.id, role: created.role }, 'user created')
      out(Boolean(opts.json)).result(created, () => `${record(created)}\n${created.id}`)
    })
  command(user, 'list', 'list a tenant\'s users').requiredOption('--tenant <id>', 'the tenant id').action(async (opts: { tenant: string; json?: boolean }) => {
    const db = await cli.readDb()
    const users = await tenantUsers(db, (await cli.tenant({ db }, opts.tenant)).id)
    out(Boolean(opts.json)).result(users, () => table(users, [
      ['id', (u) => u.id], ['email', (u) => u.email], ['name', (u) => u.name], ['role', (u) => u.role], ['webrtc', (u) => u.webrtcEnabled], ['created', (u) => u.createdAt],
    ]))
  })
  command(user, 'webrtc', 'turn a user\'s WebRTC Extension access on or off (off ends their live session, reason revoked)')
    .argument('<state>', 'on or off', (value: string) => {
      if (value !== 'on' && value !== 'off') throw new InvalidArgumentError('state must be on or off')
      return value
    })
    .requiredOption('--tenant <id>', 'the tenant id').requiredOption('--email <email>', 'the user\'s email')
    .action(async (state: 'on' | 'off', opts: { tenant: string; email: string; json?: boolean }) => {
      const ctx = await cli.licensing('write')
      const tenant = await cli.tenant(ctx, opts.tenant)
      const target = await userOf(ctx.db, tenant, opts.email)
      const { summary } = await resolveLicense(ctx, tenant.id)
      const updated = await setUserWebrtcAccess(ctx, tenant.id, summary.id, target.id, state === 'on')
      out(Boolean(opts.json)).result(updated, () => record({ ...updated }))
    })
  command(user, 'password', 'set a user\'s password')
    .requiredOption('--tenant <id>', 'the tenant id').requiredOption('--email <email>', 'the user\'s email').requiredOption('--password <password>', 'the new password')
    .action(async (opts: { tenant: string; email: string; password: string; json?: boolean }) => {
      if (opts.password.length < 8) throw new UsageError('--password must be at least 8 characters')
      const ctx = await cli.licensing('write')
      const tenant = await cli.tenant(ctx, opts.tenant)
      const target = await userOf(ctx.db, tenant, opts.email)
      await changePassword(ctx, tenant.id, target.id, opts.password)
      out(Boolean(opts.json)).result({ id: target.id, email: target.email, passwordChanged: true }, () => `password of ${target.email} changed`)
    })

  const license = noun('license', 'licenses of a tenant')
  command(license, 'list', 'list a tenant\'s licenses (external copies and local ones)').requiredOption('--tenant <id>', 'the tenant id')
    .action(async (opts: { tenant: string; json?: boolean }) => {
      const ctx = await cli.licensing('read')
      const records = await licenseRecords(ctx, (await cli.tenant(ctx, opts.tenant)).id)
      out(Boolean(opts.json)).result(records, () => table(records, [
        ['id', (l) => l.id], ['source', (l) => l.source], ['type', (l) => l.licenseTypeId], ['organization', (l) => l.organizationName], ['status', (l) => l.status],
        ['seats', (l) => `${l.webrtcMaxUsers}/${l.maxUsers}`], ['expires', (l) => l.expiresAt ?? 'never'], ['in force', (l) => l.inForce],
      ]))
    })
  command(license, 'generate', 'issue a signed local license (refused when a license server is configured); prints its id on the last line')
    .requiredOption('--tenant <id>', 'the tenant id').requiredOption('--type <id>', 'license type id, e.g. 2', int('--type', 1))
    .option('--expires <date>', 'YYYY-MM-DD (the end of that day, UTC) or an ISO date-time; none: never expires')
    .option('--issued <date>', 'issue date (default now)').option('--organization <name>', 'organization name (default: the tenant\'s name)')
    .action(async (opts: { tenant: string; type: number; expires?: string; issued?: string; organization?: string; json?: boolean }) => {
      const ctx = await cli.licensing('write')
      const view = await generateLicense(ctx, await cli.tenant(ctx, opts.tenant), {
        licenseTypeId: opts.type, organizationName: opts.organization, issuedAt: opts.issued, expiresAt: opts.expires,
      })
      out(Boolean(opts.json)).result(view, () => `${record({ ...view, features: Object.keys(view.features).filter((f) => view.features[f]).join(', ') })}\n${view.id}`)
    })

  const allocation = noun('allocation', 'WebRTC allocation of a license')
  command(allocation, 'set', 'set the admin\'s WebRTC allocation of a license (0 ≤ N ≤ its max users)')
    .requiredOption('--tenant <id>', 'the tenant id').requiredOption('--license <id>', 'the license id')
    .requiredOption('--max <n>', 'WebRTC seats', int('--max', 0))
    .action(async (opts: { tenant: string; license: string; max: number; json?: boolean }) => {
      const ctx = await cli.licensing('write')
      const tenant = await cli.tenant(ctx, opts.tenant)
      const seats = await setAllocation(ctx, tenant.id, opts.license, opts.max)
      out(Boolean(opts.json)).result(seats, () => record({ ...seats }))
    })

  const session = noun('session', 'live WebRTC sessions (seats)')
  command(session, 'list', 'the live sessions of a tenant\'s license in force').requiredOption('--tenant <id>', 'the tenant id')
    .action(async (opts: { tenant: string; json?: boolean }) => {
      const ctx = await cli.licensing('read')
      const sessions = await listActiveSessions(ctx, (await cli.tenant(ctx, opts.tenant)).id)
      out(Boolean(opts.json)).result(sessions, () => table(sessions, [
        ['session', (s) => s.sessionId], ['email', (s) => s.email], ['device', (s) => s.deviceId], ['since', (s) => s.createdAt], ['last seen', (s) => s.lastSeenAt],
      ]))
    })
  command(session, 'end', 'end a live session as revoked; its device is told (session_ended)')
    .argument('<sessionId>', 'the session id').requiredOption('--tenant <id>', 'the tenant id')
    .action(async (sessionId: string, opts: { tenant: string; json?: boolean }) => {
      const ctx = await cli.licensing('write')
      const tenant = await cli.tenant(ctx, opts.tenant)
      const ended = await revokeSession(ctx, tenant.id, sessionId)
      out(Boolean(opts.json)).result({ sessionId, ended }, () => (ended ? `session ${sessionId} ended (revoked)` : `session ${sessionId} had already ended`))
    })

  command(program, 'sync', 'run an external license sync through the worker and print its outcome (exit 1 when it failed)')
    .option('--timeout <seconds>', 'how long to wait for a worker', int('--timeout', 1, 3600), 60)
    .action(async (opts: { timeout: number; json?: boolean }) => {
      let outcome: SyncOutcome
      if (!cli.config.licenseServer) {
        outcome = { status: 'local-mode', licensesSynced: 0, changed: 0, withdrawn: 0, typesSynced: 0, eventsPublished: 0, durationMs: 0 }
      } else {
        outcome = await runSync(cli, opts.timeout * 1000)
      }
      out(Boolean(opts.json)).result(outcome, () => record({ ...outcome, error: outcome.error ? `${outcome.error.kind}: ${outcome.error.message}` : undefined }))
      if (outcome.status === 'failed') throw new CommandError(`sync failed: ${outcome.error?.message ?? 'unknown cause'}`)
    })

  command(program, 'stats', 'per tenant: live seats of the allocation in force and open WebSocket connections (every api node)')
    .action(async (opts: { json?: boolean }) => {
      const ctx = await cli.licensing('read')
      type Row = {
        tenantId: string; name: string; activeSessions: number; webrtcMaxUsers: number; usagePercent: number; connections: number
      }
      const rows: Row[] = []
      for (const t of await listTenants(ctx.db)) {
        // A tenant without a license in force (an AppError) counts no seats; any other fault stops the command.
        const seats = await sessionCount(ctx, t.id).catch((err: unknown) => {
          if (err instanceof AppError) return undefined
          throw err
        })
        const sockets = await tenantConnections(ctx.redis, ctx.keys, t.id)
        rows.push({
          tenantId: t.id, name: t.name, activeSessions: seats?.activeSessions ?? 0, webrtcMaxUsers: seats?.webrtcMaxUsers ?? 0,
          usagePercent: seats?.usagePercent ?? 0, connections: sockets,
        })
      }
      out(Boolean(opts.json)).result(rows, () => table(rows, [
        ['tenant', (r) => r.tenantId], ['name', (r) => r.name], ['seats', (r) => `${r.activeSessions}/${r.webrtcMaxUsers}`], ['usage', (r) => `${r.usagePercent}%`], ['sockets', (r) => r.connections],
      ]))
    })

  command(program, 'events', 'a tenant\'s event history, oldest first (--follow: then live events until Ctrl-C)')
    .requiredOption('--tenant <id>', 'the tenant id').option('--after <id>', 'only events after this id (exclusive)', (v: string) => {
      if (!/^[0-9]{1,18}$/.test(v)) throw new InvalidArgumentError('--after must be an event id')
      return v
    })
    .option('--limit <n>', `at most this many (1-${EVENT_PAGE_MAX})`, int('--limit', 1, EVENT_PAGE_MAX), EVENT_PAGE_DEFAULT)
    .addOption(new Option('--type <type>', 'only events of this type').choices(LICENSE_EVENT_TYPES))
    .option('--follow', 'keep printing the tenant\'s live events (one JSON document per line with --json)')
    .action(async (opts: { tenant: string; after?: string; limit: number; type?: string; follow?: boolean; json?: boolean }) => {
      const printer = out(Boolean(opts.json))
      const ctx = await cli.licensing('read')
      const tenant = await cli.tenant(ctx, opts.tenant)
      if (opts.follow) return followEvents(cli, ctx, tenant.id, { after: opts.after, type: opts.type }, (e) => printer.line(e, () => EVENT_COLUMNS.map(([, v]) => v(eventRow(e))).join('  ')))
      const page = await eventHistory(ctx, tenant.id, { after: opts.after, limit: opts.limit, type: opts.type })
      printer.result(page, () => `${table(page.events.map(eventRow), EVENT_COLUMNS)}${page.next ? `\nmore: --after ${page.next}` : ''}`)
    })

  command(program, 'token', 'mint a JWT for a user, for scripted admin tooling')
    .requiredOption('--tenant <id>', 'the tenant id').requiredOption('--email <email>', 'the user\'s email')
    .option('--ttl <duration>', 'lifetime: 1h, 30m, or seconds; at most 12h, the api\'s limit', (value: string) => {
      let ms: number
      try {
        ms = parseDuration(value)
      } catch {
        throw new InvalidArgumentError('--ttl must be a duration such as 1h or 30m')
      }
      if (ms > TOKEN_MAX_TTL_SEC * 1000) throw new InvalidArgumentError('--ttl must be at most 12h: the api refuses longer-lived tokens')
      return ms
    }, 3_600_000)
    .action(async (opts: { tenant: string; email: string; ttl: number; json?: boolean }) => {
      const ctx = await cli.licensing('read')
      const tenant = await cli.tenant(ctx, opts.tenant)
      const target = await userOf(ctx.db, tenant, opts.email)
      const minted = signAccessToken(ctx.secrets.jwtSecret, target, opts.ttl)
      cli.log.info({ tenantId: tenant.id, userId: target.id, role: target.role, expiresAt: minted.expiresAt }, 'token minted')
      const result = { token: minted.token, expiresAt: minted.expiresAt, userId: target.id, tenantId: tenant.id, role: target.role }
      out(Boolean(opts.json)).result(result, () => minted.token)
    })

  return program
}

import { pino } from 'pino'
import { loggerOptions, type Config, type Logger } from '@license-hub/config'
import { createDb, migrateToLatest, pendingMigrations, type Db, type Tenant } from '@license-hub/db'
import { createLicensingContext, resolveSecrets, tenantOf, type LicensingContext } from '@license-hub/licensing'
import { resolveInfrastructure, type Infrastructure } from '../boot.js'
import { createRedis, type RedisClient } from '@license-hub/redis'

/** A mistake in how the command was called: exit code 2, with the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Fails the command with exit code 1 and this one-line message. */
export class CommandError extends Error {
  override name = 'CommandError'
}

/**
 * What a command runs on, opened on first use and closed once at the end. Reading commands take
 * the database as it is (never migrating it); writing commands bring the schema up to date first.
 */
export class CliContext {
  readonly log: Logger
  private infra?: Promise<Infrastructure>
  private database?: Db
  private redisClient?: RedisClient
  private checked?: Promise<void>

  constructor(readonly config: Config) {
    this.log = pino({ ...loggerOptions(config.logLevel, 'cli'), transport: undefined }, pino.destination(2))
  }

  infrastructure(): Promise<Infrastructure> {
    return (this.infra ??= resolveInfrastructure(this.config))
  }

  /** The database for a reading command: refused, untouched, when its schema is not up to date. */
  async readDb(): Promise<Db> {
    const db = await this.open()
    this.checked ??= pendingMigrations(db).then((pending) => {
      if (pending.length > 0) {
        throw new CommandError(`the database schema is not up to date (${pending.length} migration(s) pending): run \`npm run migrate\` first`)
      }
    })
    await this.checked
    return db
  }

  /** The database for a writing command, migrated first as `npm run migrate` would. */
  async writeDb(): Promise<Db> {
    const db = await this.open()
    this.checked ??= migrateToLatest(db).then(() => {})
    await this.checked
    return db
  }

  async redis(): Promise<RedisClient> {
    if (!this.redisClient) {
      const { redisUrl } = await this.infrastructure()
      this.redisClient = createRedis(redisUrl, 'command', { maxRetriesPerRequest: 1, connectTimeout: 3000 })
      this.redisClient.on('error', (err) => this.log.debug({ err }, 'redis connection error'))
    }
    return this.redisClient
  }

  /** The licensing context every application service takes, as the api and the worker build it. */
  async licensing(mode: 'read' | 'write'): Promise<LicensingContext> {
    const db = mode === 'write' ? await this.writeDb() : await this.readDb()
    const secrets = resolveSecrets(this.config, this.log)
    return createLicensingContext({ config: this.config, secrets, db, redis: await this.redis(), log: this.log })
  }

  async tenant(ctx: Pick<LicensingContext, 'db'>, id: string | undefined): Promise<Tenant> {
    if (!id) throw new UsageError('--tenant is required')
    return tenantOf(ctx, id)
  }

  async close(): Promise<void> {
    this.redisClient?.disconnect()
    await this.database?.destroy()
    if (this.infra) await (await this.infra).release()
  }

  private async open(): Promise<Db> {
    if (!this.database) this.database = createDb((await this.infrastructure()).databaseUrl, { max: 2 })
    return this.database
  }
}

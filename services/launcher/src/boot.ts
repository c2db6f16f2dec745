/**
 * Process control shared by every process (api, worker, migrate, cli, npm start): the one place that
 * prints a start-up failure and exits, starts the embedded servers when no URL is configured, and
 * shows a generated admin password. Packages below never exit the process or write to the terminal.
 */
import { ConfigError, createLogger, loadConfig, type Config, type Logger } from '@license-hub/config'
import { createDb, migrateToLatest } from '@license-hub/db'
import { MissingBinaryError, useEmbeddedServers } from '@license-hub/local-servers'
import type { RedisTarget } from '@license-hub/redis'
import { ensureDefaults, resolveSecrets, type Defaults, type Secrets } from '@license-hub/licensing'

export interface Infrastructure {
  databaseUrl: string
  /** A single Redis's URL, or the cluster's seeds (REDIS_CLUSTER_NODES): only packages/redis looks inside. */
  redisUrl: RedisTarget
  /** Stops embedded servers this process started; a no-op for configured ones. */
  release: () => Promise<void>
}

/** Loads the configuration, or prints the one-line reason and exits. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(`Invalid configuration: ${err.message}`)
    process.exit(1)
  }
}

/**
 * The configured Postgres and Redis, or, outside production when either URL is unset, the
 * embedded default under .data/ (started here, or reused when `npm start` already runs it).
 */
export async function resolveInfrastructure(config: Config): Promise<Infrastructure> {
  const configuredRedis: RedisTarget | undefined = config.redisClusterNodes ? { clusterNodes: config.redisClusterNodes } : config.redisUrl
  if (config.databaseUrl && configuredRedis) {
    return { databaseUrl: config.databaseUrl, redisUrl: configuredRedis, release: async () => {} }
  }
  try {
    const embedded = await useEmbeddedServers(config.dataDir, { postgres: !config.databaseUrl, redis: !configuredRedis })
    return {
      databaseUrl: config.databaseUrl ?? embedded.databaseUrl!,
      redisUrl: configuredRedis ?? embedded.redisUrl!,
      release: embedded.stop,
    }
  } catch (err) {
    if (!(err instanceof MissingBinaryError)) throw err
    console.error(err.message)
    process.exit(1)
  }
}

export interface BootedProcess {
  config: Config
  log: Logger
  infra: Infrastructure
  secrets: Secrets
  defaults: Defaults
  /** Migrations this boot applied. */
  applied: string[]
}

export interface StartingProcess extends Omit<BootedProcess, 'defaults' | 'applied'> {
  /** The migrations, then the default tenant, its license and the admin: under way, not yet done. */
  prepared: Promise<Pick<BootedProcess, 'defaults' | 'applied'>>
}

/**
 * How every process starts (api, worker, migrate, npm start): configuration, Postgres and Redis
 * (embedded outside production when unset), secrets, migrations, then the default tenant, its
 * license and the admin.
 */
export async function bootProcess(name: string): Promise<BootedProcess> {
  const { prepared, ...started } = await startProcess(name)
  return { ...started, ...(await prepared) }
}

/**
 * bootProcess with the database's part left running, for a process that has work of its own
 * that reads no table (the api builds its routes meanwhile) and awaits `prepared` before serving.
 */
export async function startProcess(name: string): Promise<StartingProcess> {
  const config = loadConfigOrExit()
  const log = createLogger(config.logLevel, name)
  const infra = await resolveInfrastructure(config)
  const secrets = resolveSecrets(config, log)
  return { config, log, infra, secrets, prepared: prepareDatabase(infra.databaseUrl, config, secrets) }
}

async function prepareDatabase(databaseUrl: string, config: Config, secrets: Secrets): Promise<Pick<BootedProcess, 'defaults' | 'applied'>> {
  const db = createDb(databaseUrl, { max: 2 })
  try {
    const applied = await migrateToLatest(db)
    const defaults = await ensureDefaults(db, config, secrets)
    return { defaults, applied }
  } finally {
    await db.destroy()
  }
}

/** A generated admin password goes to the terminal once, never into the log. */
export function showGeneratedAdmin(defaults: Defaults): void {
  if (defaults.generatedAdmin) {
    console.log(`Admin login: ${defaults.generatedAdmin.email} / ${defaults.generatedAdmin.password}  (shown once; keep it)`)
  }
}

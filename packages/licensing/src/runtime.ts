import { ConfigError, loadConfig, type Config } from '@license-hub/config'
import { MissingBinaryError, useEmbeddedServers } from '@license-hub/local-servers'

export interface Infrastructure {
  databaseUrl: string
  redisUrl: string
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
  if (config.databaseUrl && config.redisUrl) {
    return { databaseUrl: config.databaseUrl, redisUrl: config.redisUrl, release: async () => {} }
  }
  try {
    const embedded = await useEmbeddedServers(config.dataDir, { postgres: !config.databaseUrl, redis: !config.redisUrl })
    return {
      databaseUrl: config.databaseUrl ?? embedded.databaseUrl!,
      redisUrl: config.redisUrl ?? embedded.redisUrl!,
      release: embedded.stop,
    }
  } catch (err) {
    if (!(err instanceof MissingBinaryError)) throw err
    console.error(err.message)
    process.exit(1)
  }
}

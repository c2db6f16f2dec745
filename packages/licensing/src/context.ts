import type { Config, Logger } from '@license-hub/config'
import type { Db } from '@license-hub/db'
import { redisKeys, type RedisClient, type RedisKeys } from '@license-hub/redis'
import type { Secrets } from './secrets.js'
import type { NodeState } from './node/index.js'

/** What every application service needs; routes and jobs build one and pass it first. */
export interface LicensingContext {
  config: Config
  secrets: Secrets
  db: Db
  redis: RedisClient
  keys: RedisKeys
  log: Logger
  /** The clock, replaceable in tests. */
  now: () => Date
  /** An api node's caches and heartbeat buffer; absent in the worker and the CLI. */
  node?: NodeState
}

export interface LicensingParts {
  config: Config
  secrets: Secrets
  db: Db
  redis: RedisClient
  log: Logger
  /** Prefix of every Redis key and channel (default `lh:`; tests give each file its own). */
  redisPrefix?: string
  now?: () => Date
  node?: NodeState
}

/** The one way a process assembles its licensing context: the api (with its node state), the worker and the CLI. */
export function createLicensingContext(parts: LicensingParts): LicensingContext {
  const { redisPrefix, now, ...rest } = parts
  return { ...rest, keys: redisKeys(redisPrefix), now: now ?? (() => new Date()) }
}

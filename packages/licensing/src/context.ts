import type { Config, Logger } from '@license-hub/config'
import type { Db } from '@license-hub/db'
import type { RedisClient, RedisKeys } from '@license-hub/redis'
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

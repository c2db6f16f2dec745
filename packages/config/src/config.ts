import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { Value } from 'typebox/value'
import { EnvSchema, type Env } from './env-schema.js'
import { parseDuration } from './duration.js'

export type NodeEnv = 'development' | 'production' | 'test'

export interface Config {
  nodeEnv: NodeEnv
  /** Where the embedded default keeps its servers, generated keys and secrets (not an env variable). */
  dataDir: string
  databaseUrl?: string
  redisUrl?: string
  /** Seeds of a Redis Cluster (REDIS_CLUSTER_NODES); when set, every Redis client is a cluster client and redisUrl is ignored. */
  redisClusterNodes?: { host: string; port: number }[]
  jwtSecret?: string
  licenseServer?: { url: string; apiKey?: string }
  licensePrivateKey?: string
  licensePublicKey?: string
  port: number
  serverFingerprint?: string
  logLevel: string
  licenseSyncGraceMs: number
  sessionHeartbeatSec: number
  sessionLeaseSec: number
  allowedOrigins: string[]
  adminEmail?: string
  adminPassword?: string
  /** Events older than this many days are deleted by the worker once a day. */
  eventRetentionDays: number
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs or proxy-addr's named ranges). */
  trustedProxies: string[]
  /** The api listen address. */
  host: string
  wsMaxConnectionsPerUser: number
  wsMaxConnectionsPerTenant: number
  wsMaxConnectionsPerNode: number
  /** Per-tenant series on /metrics (tenant ids are not public). */
  metricsTenantLabels: boolean
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const KNOWN = Object.keys(EnvSchema.properties) as (keyof Env)[]

const expected = (name: string): string =>
  (EnvSchema.properties as Record<string, { description?: string }>)[name]?.description ?? 'a valid value'

function pick(env: NodeJS.ProcessEnv): Record<string, string> {
  const raw: Record<string, string> = {}
  for (const key of KNOWN) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  return raw
}

// PEM keys pasted into .env files often carry literal "\n" sequences.
const pem = (value?: string) => value?.replace(/\\n/g, '\n')

type IntegerName = 'PORT' | 'SESSION_HEARTBEAT_SEC' | 'SESSION_LEASE_SEC' | 'EVENT_RETENTION_DAYS' | 'WS_MAX_CONNECTIONS_PER_USER' | 'WS_MAX_CONNECTIONS_PER_TENANT' | 'WS_MAX_CONNECTIONS_PER_NODE'

function integer(env: Env, name: IntegerName, fallback: number, max: number): number {
  const value = env[name] === undefined ? fallback : Number(env[name])
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${name}: expected ${expected(name)} (got "${env[name]}")`)
  }
  return value
}

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** `TRUSTED_PROXIES`: each entry an address, a CIDR (address/bits) or one of proxy-addr's named ranges. */
function trustedProxies(value: string | undefined): string[] {
  const entries = (value ?? 'loopback').split(',').map((e) => e.trim()).filter(Boolean)
  for (const entry of entries) {
    if (NAMED_RANGES.has(entry)) continue
    const [address = '', bits, extra] = entry.split('/')
    const family = isIP(address)
    const maxBits = family === 4 ? 32 : 128
    const bitsOk = bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) <= maxBits)
    if (family === 0 || !bitsOk || extra !== undefined) {
      throw new ConfigError(`TRUSTED_PROXIES: expected ${expected('TRUSTED_PROXIES')} (got "${entry}")`)
    }
  }
  return entries
}

/** Reads and validates the environment; a bad value throws a ConfigError whose one-line message names it. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = pick(source)
  const error = Value.Errors(EnvSchema, env)[0]
  if (error) {
    const name = error.instancePath.replace(/^\//, '')
    const described = expected(name)
    const shown = /KEY|SECRET|PASSWORD/.test(name) ? '' : ` (got "${env[name]}")`
    throw new ConfigError(`${name}: expected ${described}${shown}`)
  }
  const typed = env as Env
  const nodeEnv = typed.NODE_ENV ?? 'development'
  const sessionHeartbeatSec = integer(typed, 'SESSION_HEARTBEAT_SEC', 30, 3600)
  const sessionLeaseSec = integer(typed, 'SESSION_LEASE_SEC', 90, 86_400)
  if (sessionLeaseSec < 2 * sessionHeartbeatSec) {
    throw new ConfigError(`SESSION_LEASE_SEC: expected at least twice SESSION_HEARTBEAT_SEC (${2 * sessionHeartbeatSec}), got ${sessionLeaseSec}`)
  }
  if (nodeEnv === 'production') {
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'LICENSE_PRIVATE_KEY', 'LICENSE_PUBLIC_KEY'] as const) {
      if (name === 'REDIS_URL' && typed.REDIS_CLUSTER_NODES) continue
      if (!typed[name]) throw new ConfigError(`${name}: required when NODE_ENV=production (expected ${expected(name)})`)
    }
  }
  if (typed.LICENSE_MGMT_API_KEY && !typed.LICENSE_MGMT_API_URL) {
    throw new ConfigError('LICENSE_MGMT_API_URL: expected the external license server URL, since LICENSE_MGMT_API_KEY is set')
  }
  return {
    nodeEnv,
    dataDir: resolve(process.cwd(), typed.LICENSE_HUB_DATA_DIR ?? '.data'),
    databaseUrl: typed.DATABASE_URL,
    redisUrl: typed.REDIS_CLUSTER_NODES ? undefined : typed.REDIS_URL,
    redisClusterNodes: typed.REDIS_CLUSTER_NODES?.split(',').map((seed) => seed.trim()).map((seed) => {
      const at = seed.lastIndexOf(':')
      const port = Number(seed.slice(at + 1))
      if (port < 1 || port > 65_535) throw new ConfigError(`REDIS_CLUSTER_NODES: expected ports between 1 and 65535 (got "${seed}")`)
      return { host: seed.slice(0, at), port }
    }),
    jwtSecret: typed.JWT_SECRET,
    licenseServer: typed.LICENSE_MGMT_API_URL
      ? { url: typed.LICENSE_MGMT_API_URL.replace(/\/+$/, ''), apiKey: typed.LICENSE_MGMT_API_KEY }
      : undefined,
    licensePrivateKey: pem(typed.LICENSE_PRIVATE_KEY),
    licensePublicKey: pem(typed.LICENSE_PUBLIC_KEY),
    port: integer(typed, 'PORT', 3000, 65_535),
    serverFingerprint: typed.SERVER_FINGERPRINT,
    logLevel: typed.LOG_LEVEL ?? 'info',
    licenseSyncGraceMs: parseDuration(typed.LICENSE_SYNC_GRACE ?? '7d'),
    sessionHeartbeatSec,
    sessionLeaseSec,
    allowedOrigins: (typed.ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    adminEmail: typed.ADMIN_EMAIL?.toLowerCase(),
    adminPassword: typed.ADMIN_PASSWORD,
    eventRetentionDays: integer(typed, 'EVENT_RETENTION_DAYS', 30, 36_500),
    trustedProxies: trustedProxies(typed.TRUSTED_PROXIES),
    host: typed.HOST ?? '0.0.0.0',
    wsMaxConnectionsPerUser: integer(typed, 'WS_MAX_CONNECTIONS_PER_USER', 5, 1_000_000),
    wsMaxConnectionsPerTenant: integer(typed, 'WS_MAX_CONNECTIONS_PER_TENANT', 10_000, 10_000_000),
    wsMaxConnectionsPerNode: integer(typed, 'WS_MAX_CONNECTIONS_PER_NODE', 20_000, 10_000_000),
    metricsTenantLabels: typed.METRICS_TENANT_LABELS === 'true',
  }
}

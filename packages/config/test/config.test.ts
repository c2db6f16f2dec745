import t from 'tap'
import { ConfigError, loadConfig } from '../src/index.js'

const rejects = (env: NodeJS.ProcessEnv, variable: string) => {
  const err = t.throws(() => loadConfig(env), `${JSON.stringify(env)} is rejected`)
  t.ok(err instanceof ConfigError, 'as a ConfigError')
  t.match((err as Error).message, new RegExp(`^${variable}: [^\\n]*expected [^\\n]+$`), `naming ${variable} on one line`)
}

t.test('defaults are the contract\'s', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.sessionHeartbeatSec, 30)
  t.equal(config.sessionLeaseSec, 90)
  t.equal(config.licenseSyncGraceMs, 7 * 24 * 3600 * 1000)
  t.equal(config.licenseServer, undefined, 'no external server means local mode')
  t.same(config.allowedOrigins, [])
  t.equal(config.eventRetentionDays, 30)
})

t.test('bad values stop start-up with one line naming the variable', async () => {
  rejects({ PORT: 'abc' }, 'PORT')
  rejects({ PORT: '70000' }, 'PORT')
  rejects({ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL')
  rejects({ REDIS_URL: 'localhost:6379' }, 'REDIS_URL')
  rejects({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL')
  rejects({ JWT_SECRET: 'too-short' }, 'JWT_SECRET')
  rejects({ LICENSE_SYNC_GRACE: 'a week' }, 'LICENSE_SYNC_GRACE')
  rejects({ SESSION_HEARTBEAT_SEC: '-1' }, 'SESSION_HEARTBEAT_SEC')
  rejects({ SESSION_LEASE_SEC: '40' }, 'SESSION_LEASE_SEC')
  rejects({ EVENT_RETENTION_DAYS: '0' }, 'EVENT_RETENTION_DAYS')
  rejects({ EVENT_RETENTION_DAYS: 'a month' }, 'EVENT_RETENTION_DAYS')
  rejects({ LICENSE_MGMT_API_URL: 'ftp://x' }, 'LICENSE_MGMT_API_URL')
  rejects({ LICENSE_PUBLIC_KEY: 'not a pem' }, 'LICENSE_PUBLIC_KEY')
  rejects({ NODE_ENV: 'staging' }, 'NODE_ENV')
})

t.test('production requires its secrets and servers', async () => {
  rejects({ NODE_ENV: 'production' }, 'DATABASE_URL')
  rejects({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://r' }, 'JWT_SECRET')
})

t.test('a secret\'s bad value is never echoed', async (t) => {
  const err = t.throws(() => loadConfig({ JWT_SECRET: 'hunter2' })) as Error
  t.notMatch(err.message, /hunter2/)
})

t.test('values are typed and normalised', async (t) => {
  const config = loadConfig({
    PORT: '8080', LICENSE_SYNC_GRACE: '12h', ALLOWED_ORIGINS: 'chrome-extension://abc, https://admin.example',
    LICENSE_MGMT_API_URL: 'http://licenses.example/api/', LICENSE_MGMT_API_KEY: 'k',
    LICENSE_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----',
    ADMIN_EMAIL: 'Admin@Example.COM', EVENT_RETENTION_DAYS: '7',
  })
  t.equal(config.eventRetentionDays, 7)
  t.equal(config.port, 8080)
  t.equal(config.licenseSyncGraceMs, 12 * 3600 * 1000)
  t.same(config.allowedOrigins, ['chrome-extension://abc', 'https://admin.example'])
  t.same(config.licenseServer, { url: 'http://licenses.example/api', apiKey: 'k' })
  t.equal(config.licensePublicKey, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', 'escaped newlines in PEM are restored')
  t.equal(config.adminEmail, 'admin@example.com')
})

t.test('hardening settings: trusted proxies, listen address, socket caps, tenant labels on /metrics', async (t) => {
  const defaults = loadConfig({})
  t.same(defaults.trustedProxies, ['loopback'], 'only loopback proxies are believed by default')
  t.equal(defaults.host, '0.0.0.0')
  t.equal(defaults.wsMaxConnectionsPerUser, 5)
  t.equal(defaults.wsMaxConnectionsPerTenant, 10_000)
  t.equal(defaults.wsMaxConnectionsPerNode, 20_000)
  t.equal(defaults.metricsTenantLabels, false)
  const set = loadConfig({
    TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,::1, fd00::/8, uniquelocal', HOST: '127.0.0.1',
    WS_MAX_CONNECTIONS_PER_USER: '3', WS_MAX_CONNECTIONS_PER_TENANT: '6000', WS_MAX_CONNECTIONS_PER_NODE: '50000', METRICS_TENANT_LABELS: 'true',
  })
  t.same(set.trustedProxies, ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8', 'uniquelocal'])
  t.equal(set.host, '127.0.0.1')
  t.same([set.wsMaxConnectionsPerUser, set.wsMaxConnectionsPerTenant, set.wsMaxConnectionsPerNode], [3, 6000, 50_000])
  t.equal(set.metricsTenantLabels, true)
  rejects({ TRUSTED_PROXIES: 'nginx' }, 'TRUSTED_PROXIES')
  rejects({ TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES')
  rejects({ TRUSTED_PROXIES: '10.0.0.300' }, 'TRUSTED_PROXIES')
  rejects({ HOST: 'a b' }, 'HOST')
  rejects({ WS_MAX_CONNECTIONS_PER_USER: '0' }, 'WS_MAX_CONNECTIONS_PER_USER')
  rejects({ WS_MAX_CONNECTIONS_PER_TENANT: 'many' }, 'WS_MAX_CONNECTIONS_PER_TENANT')
  rejects({ METRICS_TENANT_LABELS: 'yes' }, 'METRICS_TENANT_LABELS')
})

t.test('REDIS_CLUSTER_NODES: the seeds of a Redis Cluster, in place of REDIS_URL', async (t) => {
  const config = loadConfig({ REDIS_URL: 'redis://single:6379', REDIS_CLUSTER_NODES: ' redis-a:7000, 10.0.0.2:7001,redis-c.internal:7002 ' })
  t.same(config.redisClusterNodes, [
    { host: 'redis-a', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: 'redis-c.internal', port: 7002 },
  ], 'every seed, trimmed, with its port as a number')
  t.equal(config.redisUrl, undefined, 'REDIS_URL is not used when the cluster is set')
  t.equal(loadConfig({ REDIS_URL: 'redis://single:6379' }).redisClusterNodes, undefined, 'unset: a single Redis')
  const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', JWT_SECRET: 'x'.repeat(32) }
  rejects(production, 'REDIS_URL')
  rejects({ ...production, REDIS_CLUSTER_NODES: 'redis-a:7000' }, 'LICENSE_PRIVATE_KEY')
  rejects({ REDIS_CLUSTER_NODES: 'redis-a' }, 'REDIS_CLUSTER_NODES')
  rejects({ REDIS_CLUSTER_NODES: 'redis://redis-a:7000' }, 'REDIS_CLUSTER_NODES')
  rejects({ REDIS_CLUSTER_NODES: 'redis-a:7000,' }, 'REDIS_CLUSTER_NODES')
  rejects({ REDIS_CLUSTER_NODES: 'redis-a:70000' }, 'REDIS_CLUSTER_NODES')
  rejects({ REDIS_CLUSTER_NODES: 'redis-a:0' }, 'REDIS_CLUSTER_NODES')
})

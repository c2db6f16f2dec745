import { Type, type Static } from 'typebox'

const Int = (description: string) => Type.String({ pattern: '^[0-9]+$', description })
const Url = (protocols: string, description: string) => Type.String({ pattern: `^(${protocols})://\\S+$`, description })

/** Every environment variable the api, the worker and the tools read, as the contract lists them. */
export const EnvSchema = Type.Object({
  NODE_ENV: Type.Optional(Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')],
    { description: 'development | production | test (default development)' })),
  DATABASE_URL: Type.Optional(Url('postgres|postgresql', 'a postgres:// URL; without it `npm start` runs an embedded Postgres under .data/')),
  REDIS_URL: Type.Optional(Url('redis|rediss', 'a redis:// URL; without it `npm start` runs an embedded redis-server under .data/')),
  REDIS_CLUSTER_NODES: Type.Optional(Type.String({
    pattern: '^\\s*[^\\s,:]+:[0-9]{1,5}\\s*(,\\s*[^\\s,:]+:[0-9]{1,5}\\s*)*$',
    description: 'comma-separated host:port seeds of a Redis Cluster (Redis >= 7); when set, REDIS_URL is not used'
  })),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32, description: 'at least 32 characters; HS256 secret shared by every api node' })),
  LICENSE_MGMT_API_URL: Type.Optional(Url('http|https', 'the external license server base URL (http:// or https://); unset means local mode')),
  LICENSE_MGMT_API_KEY: Type.Optional(Type.String({ minLength: 1, description: 'sent as X-Internal-API-Key' })),
  LICENSE_PRIVATE_KEY: Type.Optional(Type.String({ pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----', description: 'an RSA private key in PEM' })),
  LICENSE_PUBLIC_KEY: Type.Optional(Type.String({ pattern: '-----BEGIN [A-Z ]*PUBLIC KEY-----', description: 'an RSA public key in PEM' })),
  PORT: Type.Optional(Int('an integer port between 1 and 65535 (default 3000)')),
  SERVER_FINGERPRINT: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the installation fingerprint override (1-200 characters)' })),
  LOG_LEVEL: Type.Optional(Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { description: 'one of fatal, error, warn, info, debug, trace, silent (default info)' })),
  LICENSE_SYNC_GRACE: Type.Optional(Type.String({ pattern: '^[0-9]+(ms|s|m|h|d)?$', description: 'a duration such as 7d, 12h, 30m, 45s or seconds (default 7d)' })),
  SESSION_HEARTBEAT_SEC: Type.Optional(Int('a positive integer number of seconds (default 30)')),
  SESSION_LEASE_SEC: Type.Optional(Int('a positive integer number of seconds, at least twice SESSION_HEARTBEAT_SEC (default 90)')),
  ALLOWED_ORIGINS: Type.Optional(Type.String({ description: 'comma-separated origins, e.g. chrome-extension://<id>' })),
  ADMIN_EMAIL: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', description: 'an email address' })),
  LICENSE_HUB_DATA_DIR: Type.Optional(Type.String({ minLength: 1, description: 'a directory for the embedded default\'s servers and generated development secrets (default .data/ under the working directory)' })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8, description: 'at least 8 characters' })),
  EVENT_RETENTION_DAYS: Type.Optional(Int('a positive integer number of days the event history keeps (default 30)')),
  TRUSTED_PROXIES: Type.Optional(Type.String({ description: 'comma-separated addresses or CIDRs of the proxies whose X-Forwarded-For is believed, or loopback / linklocal / uniquelocal (default loopback)' })),
  HOST: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[0-9A-Za-z.:%_-]+$', description: 'the api listen address, e.g. 0.0.0.0, :: or 127.0.0.1 (default 0.0.0.0)' })),
  WS_MAX_CONNECTIONS_PER_USER: Type.Optional(Int('a positive integer (default 5)')),
  WS_MAX_CONNECTIONS_PER_TENANT: Type.Optional(Int('a positive integer (default 10000)')),
  WS_MAX_CONNECTIONS_PER_NODE: Type.Optional(Int('a positive integer (default 20000)')),
  METRICS_TENANT_LABELS: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true or false (default false): per-tenant socket counts on /metrics' })),
})

export type Env = Static<typeof EnvSchema>

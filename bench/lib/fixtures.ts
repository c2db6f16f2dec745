import { createHmac, randomUUID } from 'node:crypto'
import { loadConfig } from '@license-hub/config'
import { generateKeyPair, hashPassword } from '@license-hub/core'
import { createDb, insertUsers, upsertExternalLicenseTypes, type Db } from '@license-hub/db'
import { ensureDefaults, issueLocalLicense } from '@license-hub/licensing'

export const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123'

/** A license type with room for every benchmark's users (the seeded ones stop at 25). */
const BENCH_TYPE_ID = 90

/** The environment of an api node in production configuration on the benchmark's database. */
export function productionEnv(databaseUrl: string, redisUrl: string, keys: { privateKey: string; publicKey: string }): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'production', DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, JWT_SECRET,
    LICENSE_PRIVATE_KEY: keys.privateKey, LICENSE_PUBLIC_KEY: keys.publicKey,
    ADMIN_EMAIL: 'admin@bench.test', ADMIN_PASSWORD: 'bench-admin-password',
  }
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** An HS256 token as the api issues them (signed here so 10,000 users need no logins). */
export function token(user: { id: string; tenantId: string; role?: 'admin' | 'user' }, ttlSec = 3600): string {
  const head = base64url({ alg: 'HS256', typ: 'JWT' })
  const now = Math.floor(Date.now() / 1000)
  const body = base64url({ id: user.id, userId: user.id, tenantId: user.tenantId, role: user.role ?? 'user', iat: now, exp: now + ttlSec })
  const signature = createHmac('sha256', JWT_SECRET).update(`${head}.${body}`).digest('base64url')
  return `${head}.${body}.${signature}`
}

export interface Seeded {
  db: Db
  keys: { privateKey: string; publicKey: string }
  tenantId: string
  fingerprint: string
  users: { id: string; tenantId: string; token: string }[]
  env: NodeJS.ProcessEnv
}

/**
 * The default tenant (as `npm run migrate` leaves it), a signed local license allowing
 * `webrtcMaxUsers` seats, and `users` users with tokens.
 */
export async function seed(databaseUrl: string, redisUrl: string, options: { users: number; webrtcMaxUsers: number }): Promise<Seeded> {
  const keys = generateKeyPair()
  const env = productionEnv(databaseUrl, redisUrl, keys)
  const config = loadConfig(env)
  const db = createDb(databaseUrl)
  const { tenant, fingerprint } = await ensureDefaults(db, config, { licensePrivateKey: keys.privateKey, licensePublicKey: keys.publicKey })
  await upsertExternalLicenseTypes(db, [{
    id: BENCH_TYPE_ID, name: 'Bench', maxUsers: 100_000, features: { calls: true, webrtc_extension: true },
  }], [])
  await issueLocalLicense(db, keys.privateKey, {
    tenantId: tenant.id, organizationName: 'Bench', serverFingerprint: fingerprint, licenseTypeId: BENCH_TYPE_ID,
    expiresAt: null, webrtcMaxUsers: options.webrtcMaxUsers,
  })
  const passwordHash = await hashPassword('bench-user-password')
  const users: Seeded['users'] = []
  for (let i = 0; i < options.users; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, options.users - i) }, (_, j) => ({
      tenantId: tenant.id, email: `agent-${i + j}-${randomUUID().slice(0, 6)}@bench.test`, name: `Agent ${i + j}`, passwordHash,
    }))
    for (const user of await insertUsers(db, batch)) {
      users.push({ id: user.id, tenantId: tenant.id, token: token({ id: user.id, tenantId: tenant.id }) })
    }
  }
  return { db, keys, tenantId: tenant.id, fingerprint, users, env }
}

export const auth = (tok: string) => ({ authorization: `Bearer ${tok}`, 'content-type': 'application/json' })

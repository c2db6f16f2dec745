/**
 * Throughput of the extension's hot paths (license summary, heartbeat) on a real api instance with
 * real Postgres and Redis, against a bare Fastify route measured in the same run.
 */
import autocannon from 'autocannon'
import Fastify from 'fastify'
import { pino } from 'pino'
import { loadConfig } from '@license-hub/config'
import { generateKeyPair, hashPassword } from '@license-hub/core'
import { createDb, insertUser } from '@license-hub/db'
import { ensureDefaults } from '@license-hub/licensing'
import { buildApp } from '@license-hub/api/app'
import { benchServers } from './lib/servers.js'
import { report, type Figure } from './lib/report.js'

const DURATION_SEC = Number(process.env.BENCH_DURATION_SEC ?? 5)
const CONNECTIONS = 20

async function measure(name: string, url: string, options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}): Promise<Figure> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_SEC, method: options.method ?? 'GET', headers: options.headers, body: options.body })
  const bad = result.non2xx + result.errors
  if (bad > 0) throw new Error(`${name}: ${bad} of ${result.requests.total} requests failed`)
  return { name: `${name} (p99 ${result.latency.p99} ms)`, value: result.requests.average, unit: 'req/s' }
}

const servers = await benchServers()
try {
  const bare = Fastify()
  bare.get('/bare', async () => ({ status: 'ok' }))
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })

  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ADMIN_EMAIL: 'admin@bench.test', ADMIN_PASSWORD: 'bench-password' })
  const keys = generateKeyPair()
  const secrets = { jwtSecret: 'bench-secret-bench-secret-bench-secret', licensePrivateKey: keys.privateKey, licensePublicKey: keys.publicKey }
  const db = createDb(servers.databaseUrl)
  const { tenant } = await ensureDefaults(db, config, secrets)
  const user = await insertUser(db, { tenantId: tenant.id, email: 'agent@bench.test', name: 'Agent', passwordHash: await hashPassword('agent-password') })
  await db.destroy()

  const app = await buildApp({ config, secrets, databaseUrl: servers.databaseUrl, redisUrl: servers.redisUrl, logger: pino({ level: 'silent' }) })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const auth = { authorization: `Bearer ${app.issueToken({ id: user.id, tenantId: tenant.id, role: 'user' })}`, 'content-type': 'application/json' }
  const created = await fetch(`${base}/api/licenses/create-session`, { method: 'POST', headers: auth, body: JSON.stringify({ deviceId: 'bench-device' }) })
  if (!created.ok) throw new Error(`create-session answered ${created.status}: ${await created.text()}`)
  const { sessionId } = await created.json() as { sessionId: string }

  const baseline = await measure('bare Fastify route', `${bareUrl}/bare`)
  const figures = [
    await measure('GET /health (app stack, no I/O)', `${base}/health`),
    await measure('GET /api/licenses/current (JWT + cached license)', `${base}/api/licenses/current`, { headers: auth }),
    await measure('POST /api/licenses/validate-session (heartbeat)', `${base}/api/licenses/validate-session`, { method: 'POST', headers: auth, body: JSON.stringify({ sessionId }) }),
  ]
  report(`HTTP throughput, ${CONNECTIONS} connections, ${DURATION_SEC} s each`, baseline, figures, true)
  await app.close()
  await bare.close()
} finally {
  await servers.stop()
}

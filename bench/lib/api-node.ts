/**
 * An api node as an operator runs it (NODE_ENV=production, the default LOG_LEVEL, logs to stdout,
 * which the benchmark sends to a file), like services/api/src/server.ts but listening on a free
 * port and telling its parent over IPC. BENCH_WS_PER_TENANT raises the per-tenant socket cap,
 * BENCH_WS_PING_MS spaces the protocol pings.
 */
import { createLogger } from '@license-hub/config'
import { resolveSecrets } from '@license-hub/licensing'
import { loadConfigOrExit } from '@license-hub/launcher/boot'
import { buildApp } from '@license-hub/api/app'
import { onGcRequest } from './gc.js'

const config = loadConfigOrExit()
const log = createLogger(config.logLevel, 'api')
const secrets = resolveSecrets(config, log)
const perTenant = Number(process.env.BENCH_WS_PER_TENANT ?? 0)
const pingMs = Number(process.env.BENCH_WS_PING_MS ?? 0)
const app = await buildApp({
  config, secrets, databaseUrl: config.databaseUrl!, redisUrl: config.redisUrl!, logger: log,
  wsHub: {
    ...(perTenant ? { maxConnectionsPerTenant: perTenant, maxConnectionsPerNode: perTenant * 2 } : {}),
    ...(pingMs ? { pingIntervalMs: pingMs } : {}),
  },
})
const address = await app.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ type: 'ready', url: address })
const stop = async () => {
  await app.close()
  process.exit(0)
}
process.on('SIGTERM', () => { void stop() })
onGcRequest()

import closeWithGrace from 'close-with-grace'
import { showGeneratedAdmin, startProcess } from '@license-hub/launcher/boot'
import { buildApp } from './app.js'

const { config, log, infra, secrets, prepared } = await startProcess('api')
// The routes are built while the database is migrated and seeded, which the start waited for
// before: building reads no table, and nothing is served before both are done.
const [app, { defaults }] = await Promise.all([
  buildApp({ config, secrets, databaseUrl: infra.databaseUrl, redisUrl: infra.redisUrl, logger: log }),
  prepared,
])
showGeneratedAdmin(defaults)

closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an error')
  else log.info({ signal }, 'shutting down')
  app.draining = true
  await app.close()
  await infra.release()
})

// Started by `npm start`: stop (as for SIGTERM) if it dies without stopping us.
const parentPid = Number(process.env.LICENSE_HUB_PARENT_PID)
if (parentPid > 0) {
  setInterval(() => { if (process.ppid !== parentPid) process.kill(process.pid, 'SIGTERM') }, 500).unref()
}

await app.listen({ port: config.port, host: config.host })
log.info({ host: config.host, port: config.port, fingerprint: defaults.fingerprint }, 'api listening')

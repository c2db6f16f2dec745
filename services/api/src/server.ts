import closeWithGrace from 'close-with-grace'
import { bootProcess, showGeneratedAdmin } from '@license-hub/licensing'
import { buildApp } from './app.js'

const { config, log, infra, secrets, defaults } = await bootProcess('api')
showGeneratedAdmin(defaults)

const app = await buildApp({ config, secrets, databaseUrl: infra.databaseUrl, redisUrl: infra.redisUrl, logger: log })

closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an error')
  else log.info({ signal }, 'shutting down')
  app.draining = true
  await app.close()
  await infra.release()
})

await app.listen({ port: config.port, host: config.host })
log.info({ host: config.host, port: config.port, fingerprint: defaults.fingerprint }, 'api listening')

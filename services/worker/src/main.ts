import closeWithGrace from 'close-with-grace'
import { bootProcess, showGeneratedAdmin } from '@license-hub/licensing'
import { startWorker } from './worker.js'

const { config, log, infra, secrets, defaults } = await bootProcess('worker')
showGeneratedAdmin(defaults)

const worker = await startWorker({ config, secrets, redisUrl: infra.redisUrl, databaseUrl: infra.databaseUrl, logger: log })

// Running jobs get 25 s to finish (worker.close's own deadline) within close-with-grace's 30 s.
closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'worker shutting down after an error')
  else log.info({ signal }, 'worker shutting down')
  await worker.close()
  await infra.release()
})

log.info({ fingerprint: defaults.fingerprint }, 'worker started')

import closeWithGrace from 'close-with-grace'
import { bootProcess, showGeneratedAdmin } from '@license-hub/launcher/boot'
import { startWorker, type StartWorkerOptions } from './worker.js'

/** Timings a test may shorten in a real worker process; main.ts passes none. */
export type WorkerProcessTuning = Pick<StartWorkerOptions, 'lockDurationMs' | 'stalledIntervalMs'>

/** The worker process: boot (config, migrations, defaults), the BullMQ workers, and a graceful stop on a signal. */
export async function runWorkerProcess(tuning: WorkerProcessTuning = {}): Promise<void> {
  const { config, log, infra, secrets, defaults } = await bootProcess('worker')
  showGeneratedAdmin(defaults)

  const worker = await startWorker({ config, secrets, redisUrl: infra.redisUrl, databaseUrl: infra.databaseUrl, logger: log, ...tuning })

  // Running jobs get 25 s to finish (worker.close's own deadline) within close-with-grace's 30 s.
  closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'worker shutting down after an error')
    else log.info({ signal }, 'worker shutting down')
    await worker.close()
    await infra.release()
  })

  // Started by `npm start`: stop (as for SIGTERM) if it dies without stopping us.
  const parentPid = Number(process.env.LICENSE_HUB_PARENT_PID)
  if (parentPid > 0) {
    setInterval(() => { if (process.ppid !== parentPid) process.kill(process.pid, 'SIGTERM') }, 500).unref()
  }
  log.info({ fingerprint: defaults.fingerprint }, 'worker started')
}

import fp from 'fastify-plugin'
import { createLicensingContext, createNodeState, type LicensingContext } from '@license-hub/licensing'

declare module 'fastify' {
  interface FastifyInstance {
    /** The application services' context: routes call licensing functions with it. */
    licensing: LicensingContext
  }
}

export default fp<{ now?: () => Date }>(async (app, opts) => {
  const now = opts.now ?? (() => new Date())
  const log = app.log as LicensingContext['log']
  // This node's license copies and heartbeat buffer (the heartbeat's hot path).
  const node = createNodeState({ db: app.db, log, now, config: app.config })
  app.decorate('licensing', createLicensingContext({
    config: app.config, secrets: app.secrets, db: app.db, redis: app.redis, log, redisPrefix: app.redisPrefix, now, node,
  }))
  node.lastSeen.start()
  // Registered after storage, so this runs before the database closes: no heartbeat is lost.
  app.addHook('onClose', async () => { await node.lastSeen.stop() })
}, { name: 'licensing', dependencies: ['storage'] })

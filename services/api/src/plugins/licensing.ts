import fp from 'fastify-plugin'
import type { LicensingContext } from '@license-hub/licensing'
import { redisKeys } from '@license-hub/redis'

declare module 'fastify' {
  interface FastifyInstance {
    /** The application services' context: routes call licensing functions with it. */
    licensing: LicensingContext
  }
}

export default fp<{ now?: () => Date }>(async (app, opts) => {
  app.decorate('licensing', {
    config: app.config,
    secrets: app.secrets,
    db: app.db,
    redis: app.redis,
    keys: redisKeys(app.redisPrefix),
    log: app.log as LicensingContext['log'],
    now: opts.now ?? (() => new Date()),
  })
}, { name: 'licensing', dependencies: ['storage'] })

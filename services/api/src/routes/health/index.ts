import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Health, Readiness } from '@license-hub/contract'
import { pingDb } from '@license-hub/db'
import { pingRedis } from '@license-hub/redis'

const withTimeout = <T>(work: Promise<T>, ms: number) =>
  Promise.race([work, new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())])

const routes: FastifyPluginAsyncTypebox = async (app) => {
  // The liveness probe, asked every few seconds by every balancer: its durations tell an operator
  // nothing, so it stays out of the request histogram (/ready, whose 503s do, stays in).
  app.get('/health', { config: { disableMetrics: true }, schema: { tags: ['health'], summary: 'The process is up', response: { 200: Health } } },
    async () => ({ status: 'ok' }))

  app.get('/ready', { schema: { tags: ['health'], summary: 'Postgres and Redis are reachable and the node is not draining', response: { 200: Readiness, 503: Readiness } } },
    async (_request, reply) => {
      // A failed ping is the answer itself ('down', 503), not an error to log on every probe.
      const [postgres, redis] = await Promise.all([
        withTimeout(pingDb(app.db), 2000).then(() => 'up', () => 'down'),
        withTimeout(pingRedis(app.redis), 2000).then(() => 'up', () => 'down'),
      ])
      const ready = postgres === 'up' && redis === 'up' && !app.draining
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : (app.draining ? 'draining' : 'unavailable'), postgres, redis })
    })
}

export default routes

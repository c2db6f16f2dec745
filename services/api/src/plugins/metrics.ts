import fp from 'fastify-plugin'
import fastifyMetrics from 'fastify-metrics'
import promClient from 'prom-client'

/**
 * Prometheus text at GET /metrics: process metrics and request durations per route. Each app has
 * its own registry, so several apps in one process (tests) do not collide on metric names.
 */
export default fp(async (app) => {
  const registry = new promClient.Registry()
  // CommonJS with `exports.default`: Node hands an ES module the whole exports object.
  await app.register(fastifyMetrics.default, {
    endpoint: {
      url: '/metrics', method: 'GET', logLevel: 'warn', handler: () => undefined,
      schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', response: { 200: { type: 'string' } } },
    },
    defaultMetrics: { enabled: true, register: registry },
    routeMetrics: {
      // Histograms only: they sum over nodes in Prometheus, and a summary's quantile digest costs
      // every request (the heartbeat's hot path) more than the rest of its metrics together.
      enabled: { histogram: true, summary: false },
      overrides: { histogram: { registers: [registry] }, summary: { registers: [registry] } },
    },
  })
}, { name: 'metrics' })

import fp from 'fastify-plugin'
import fastifyMetrics from 'fastify-metrics'
import promClient, { type Metric } from 'prom-client'
import type { RouteOptions } from 'fastify'
import { RouteDurations } from './route-durations.js'

/**
 * Prometheus text at GET /metrics: process metrics (fastify-metrics with prom-client's defaults)
 * and `http_request_duration_seconds{method,route,status_code}`, a histogram of every route but
 * those whose config says `disableMetrics` (the liveness probe). Histograms only: they sum over
 * nodes in Prometheus, and a summary's quantile digest costs every request. Each app has its own
 * registry, so several apps in one process (tests) do not collide on metric names.
 */
export default fp(async (app) => {
  const registry = new promClient.Registry()
  const durations = new RouteDurations()
  // The Registry reads a metric through get() and reset(); its type names prom-client's own classes only.
  registry.registerMetric(durations as unknown as Metric)
  // One hook per route, its pattern known from the start (fastify-metrics' own route metrics read
  // `request.routeOptions`, which Fastify 5 builds afresh on each read, four times a request: 5-8 µs).
  // Before any route, /metrics included. A new array: Fastify copies a GET route's options for its HEAD route.
  app.addHook('onRoute', (route: RouteOptions) => {
    if ((route.config as { disableMetrics?: boolean } | undefined)?.disableMetrics === true) return
    route.onResponse = [...[route.onResponse ?? []].flat(), durations.timer(route.url)]
  })
  // CommonJS with `exports.default`: Node hands an ES module the whole exports object.
  await app.register(fastifyMetrics.default, {
    endpoint: {
      url: '/metrics', method: 'GET', logLevel: 'warn', handler: () => undefined,
      schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', response: { 200: { type: 'string' } } },
    },
    defaultMetrics: { enabled: true, register: registry },
    routeMetrics: { enabled: false },
  })
}, { name: 'metrics' })

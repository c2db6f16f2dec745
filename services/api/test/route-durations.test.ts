/**
 * The request-duration histogram kept in plain counters: /metrics must read exactly as it read when
 * prom-client's own Histogram kept it, so dashboards and alerts see no change.
 */
import t from 'tap'
import promClient, { type Metric } from 'prom-client'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { DURATION_BUCKETS, RouteDurations } from '../src/plugins/route-durations.js'

type Tap = { ok: (value: unknown, message: string) => void }
type Answer = { method: string; route: string; status: number; ms: number }

// Bounds exactly (a bound holds what equals it), between them, beyond the last, and zero.
const answers: Answer[] = [
  { method: 'GET', route: '/api/licenses/current', status: 200, ms: 5 },
  { method: 'GET', route: '/api/licenses/current', status: 200, ms: 0 },
  { method: 'POST', route: '/api/licenses/validate-session', status: 200, ms: 0.7 },
  { method: 'GET', route: '/api/licenses/current', status: 401, ms: 12.5 },
  { method: 'GET', route: '/api/licenses/current', status: 200, ms: 10_000 },
  { method: 'GET', route: '/api/licenses/current', status: 200, ms: 25_000 },
  { method: 'POST', route: '/api/licenses/validate-session', status: 200, ms: 250 },
  { method: 'HEAD', route: '/ready', status: 200, ms: 1 },
]

function ours(t: Tap, list: Answer[]) {
  const registry = new promClient.Registry()
  const durations = new RouteDurations()
  registry.registerMetric(durations as unknown as Metric)
  const timers = new Map<string, ReturnType<RouteDurations['timer']>>()
  for (const { method, route, status, ms } of list) {
    if (!timers.has(route)) timers.set(route, durations.timer(route))
    const request = { method } as FastifyRequest
    const reply = { statusCode: status, elapsedTime: ms } as FastifyReply
    let done = false
    ;(timers.get(route)! as (req: FastifyRequest, rep: FastifyReply, next: () => void) => void)(request, reply, () => { done = true })
    t.ok(done, 'the hook calls done')
  }
  return { registry, durations }
}

function promClients(list: Answer[]) {
  const registry = new promClient.Registry()
  const histogram = new promClient.Histogram({
    name: 'http_request_duration_seconds', help: 'request duration in seconds', labelNames: ['method', 'route', 'status_code'], registers: [registry],
  })
  for (const { method, route, status, ms } of list) histogram.observe({ method, route, status_code: status }, ms / 1000)
  return registry
}

t.test('the text of /metrics is the one prom-client\'s Histogram wrote', async (t) => {
  const expected = await promClients(answers).metrics()
  t.equal(await ours(t, answers).registry.metrics(), expected)
  t.match(expected, /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/licenses\/current",status_code="200"\} 2/)
  t.match(expected, /http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/api\/licenses\/current",status_code="200"\} 4/)
})

t.test('so is its JSON (but for prom-client\'s empty exemplar fields), and the buckets are prom-client\'s defaults', async (t) => {
  const withoutExemplars = (json: unknown) =>
    JSON.parse(JSON.stringify(json, (key, value: unknown) => key === 'exemplar' ? undefined : value)) as unknown
  const expected = withoutExemplars(await promClients(answers).getMetricsAsJSON())
  t.strictSame(withoutExemplars(await ours(t, answers).registry.getMetricsAsJSON()), expected)
  const histogram = new promClient.Histogram({ name: 'defaults', help: 'defaults' })
  t.same(DURATION_BUCKETS, (histogram as unknown as { upperBounds: number[] }).upperBounds)
})

t.test('a reset sets every series back to zero', async (t) => {
  const { registry } = ours(t, answers)
  registry.resetMetrics()
  const text = await registry.metrics()
  t.match(text, /http_request_duration_seconds_count\{method="GET",route="\/api\/licenses\/current",status_code="200"\} 0/)
  t.notMatch(text, /_count\{[^}]*\} [1-9]/, 'no count left')
})

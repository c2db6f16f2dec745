import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../../../test/helpers/app.js'

/**
 * Every route the app registered as (method, OpenAPI path), read from printRoutes' tree, bar HEAD
 * the docs UI itself and the CORS preflight route. Fastify registers both `/prefix` and `/prefix/` for a plugin's `/`
 * route, and the document lists one of them, so trailing slashes are dropped on both sides.
 */
function registeredRoutes(app: FastifyInstance): Set<string> {
  const routes = new Set<string>()
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│├└─\s]*)(\S.*?)(?: \(([^)]+)\))?$/.exec(line)
    if (!match) continue
    const depth = Math.floor(match[1]!.length / 4)
    stack.length = depth
    stack.push(match[2]!)
    const path = normalise(stack.join('').replace(/:([A-Za-z0-9_]+)/g, '{$1}'))
    if (!match[3] || path.startsWith('/docs')) continue
    if (path === '*' && match[3] === 'OPTIONS') continue // @fastify/cors's preflight answer for every path, not an operation
    for (const method of match[3].split(',').map((m) => m.trim())) if (method !== 'HEAD') routes.add(`${method} ${path}`)
  }
  return routes
}

const normalise = (path: string) => (path.length > 1 ? path.replace(/\/+$/, '') : path)

t.test('/docs/json documents every registered route, with tags and the bearer scheme', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200)
  type Operation = { tags?: string[]; security?: unknown[]; summary?: string }
  const doc = res.json() as {
    openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> }
  }
  t.match(doc.openapi, /^3\./)
  t.same(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })

  const documented = new Set<string>()
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      documented.add(`${method.toUpperCase()} ${normalise(path)}`)
      t.ok(op.tags && op.tags.length > 0, `${method} ${path} has tags`)
      t.ok(op.summary, `${method} ${path} has a summary`)
      const needsToken = path.startsWith('/api/') && path !== '/api/auth/login'
      t.equal(Boolean(op.security), needsToken, `${method} ${path} bearer security`)
    }
  }
  const registered = registeredRoutes(app)
  t.ok(registered.size >= 12, `found ${registered.size} routes in printRoutes`)
  for (const route of registered) t.ok(documented.has(route), `${route} is documented`)
  for (const route of documented) t.ok(registered.has(route), `${route} is registered`)
  for (const route of ['POST /api/auth/login', 'GET /api/licenses/current', 'GET /api/licenses/types', 'GET /api/licenses', 'POST /api/licenses/generate',
    'PUT /api/licenses/{id}', 'PUT /api/licenses/{id}/status', 'POST /api/users', 'GET /api/users', 'GET /metrics', 'GET /health']) {
    t.ok(documented.has(route), `${route} is in the document`)
  }
})

t.test('/docs/json writes a nullable field as OpenAPI 3.0 does', async (t) => {
  const { app } = await buildTestApp(t)
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { openapi: string; components: { schemas: Record<string, { properties: Record<string, unknown> }> } }
  t.match(doc.openapi, /^3\.0\./)
  const summary = Object.values(doc.components.schemas).find((s) => s.properties?.webrtcMaxUsers && s.properties.lastSyncedAt)
  t.same(summary?.properties.expiresAt, { type: 'string', format: 'date-time', nullable: true }, 'the license\'s expiry: a date-time or null')
  // 3.0 has no `null` type: a `{ type: 'null' }` branch is invalid there.
  t.notMatch(JSON.stringify(doc), /"type":"null"/, 'no schema of the document uses a null type')
})

t.test('/docs serves the UI', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/html/)
})

t.test('/metrics answers Prometheus text with per-route request durations', async (t) => {
  const { app } = await buildTestApp(t)
  await app.inject({ method: 'GET', url: '/health' })
  await app.inject({ method: 'GET', url: '/ready' })
  await app.inject({ method: 'GET', url: '/api/licenses/current' })
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/plain/)
  t.match(res.body, /# TYPE http_request_duration_seconds histogram/)
  t.match(res.body, /http_request_duration_seconds_count\{method="GET",route="\/ready",status_code="200"\} 1/)
  t.match(res.body, /http_request_duration_seconds_count\{method="GET",route="\/api\/licenses\/current",status_code="401"\} 1/)
  t.notMatch(res.body, /route="\/health"/, 'the liveness probe stays out of the histogram')
  t.match(res.body, /process_cpu_user_seconds_total/)
})

t.test('each answer is timed once, under its method, route pattern and status', async (t) => {
  const { app } = await buildTestApp(t)
  const count = async (labels: string) => {
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body
    return Number(new RegExp(`http_request_duration_seconds_count\\{${labels}\\} (\\d+)`).exec(body)?.[1] ?? 0)
  }
  for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/ready' })
  await app.inject({ method: 'HEAD', url: '/ready' })
  await app.inject({ method: 'PUT', url: '/api/licenses/3f0f6f0e-1c1a-4c55-9d5a-2b8a9b0c1d2e/status', payload: { status: 'active' } })
  t.equal(await count('method="GET",route="/ready",status_code="200"'), 3)
  t.equal(await count('method="HEAD",route="/ready",status_code="200"'), 1, 'a HEAD of a GET route: once, as HEAD')
  const body = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(body, /method="PUT",route="\/api\/licenses\/:id\/status",status_code="401"/, 'by the route\'s pattern, not the URL asked')
  t.match(body, /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/ready",status_code="200"\} \d+/, 'prom-client\'s buckets')
  t.equal(await count('method="GET",route="/metrics",status_code="200"'), 3, '/metrics itself is timed too (three reads so far)')
})

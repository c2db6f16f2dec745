import { Writable } from 'node:stream'
import t from 'tap'
import fc from 'fast-check'
import { sql } from 'kysely'
import { WebSocket } from 'ws'
import { buildTestApp } from '../helpers/app.js'
import { createTestUser } from '../helpers/users.js'
import { printReport } from './traffic.js'

/**
 * Property-based tests: for every route of the OpenAPI document, requests generated from its
 * schemas (valid, mutated and hostile bodies, query strings, headers and tokens) never get a 5xx,
 * always get the contract's error shape on a refusal, and a refusal writes nothing. Bounded runs
 * keep CI reasonable; FC_RUNS raises them.
 */
const RUNS_PER_ROUTE = Number(process.env.FC_RUNS ?? 40)

type Schema = {
  type?: string; properties?: Record<string, Schema>; required?: string[]; format?: string; enum?: unknown[]; anyOf?: Schema[]
  minimum?: number; maximum?: number; maxLength?: number; items?: Schema; const?: unknown
}
interface Operation {
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  parameters?: Array<{ in: string; name: string; schema?: Schema }>
}

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\u001b[31m', '../../etc/passwd', "' or 1=1 --", '<script>', '%00', '\uffff', '𝒜', ' ', ''),
  fc.string({ maxLength: 300 })
)
const anyJson = fc.jsonValue({ maxDepth: 3 })

/** Values for a schema, often valid, sometimes off by one bound, sometimes anything at all. */
function arbitrary(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return anyJson
  const hostile = fc.oneof(anyJson, hostileString, fc.constantFrom(null, [], {}, 2 ** 53, -1, 1e308, -0, '0x10'))
  let valid: fc.Arbitrary<unknown>
  if (schema.const !== undefined) valid = fc.constant(schema.const)
  else if (schema.enum) valid = fc.constantFrom(...schema.enum)
  else if (schema.anyOf) valid = fc.oneof(...schema.anyOf.map((s) => arbitrary(s, depth + 1)))
  else if (schema.type === 'object' && schema.properties) {
    const entries = Object.entries(schema.properties).map(([k, s]) => [k, arbitrary(s, depth + 1)] as const)
    valid = fc.record(Object.fromEntries(entries), { requiredKeys: [] }).chain((obj) =>
      fc.option(fc.tuple(hostileString, anyJson), { freq: 4 }).map((extra) => (extra ? { ...obj, [extra[0]]: extra[1] } : obj)))
  } else if (schema.type === 'string') {
    valid = schema.format === 'uuid' ? fc.uuid() : schema.format === 'date-time' ? fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) : fc.string({ maxLength: Math.min(schema.maxLength ?? 50, 300) + 2 })
  } else if (schema.type === 'integer' || schema.type === 'number') {
    valid = fc.integer({ min: (schema.minimum ?? -10) - 1, max: Math.min(schema.maximum ?? 100, 2 ** 31) + 1 })
  } else if (schema.type === 'boolean') valid = fc.boolean()
  else if (schema.type === 'array') valid = fc.array(arbitrary(schema.items, depth + 1), { maxLength: 3 })
  else valid = anyJson
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: hostile })
}

const SHAPE = ['code', 'error', 'message', 'statusCode']

t.test('every route of the OpenAPI document, under generated input: no 5xx, the error shape, nothing written on a refusal', async (t) => {
  let logText = ''
  const logStream = new Writable({ write(chunk, _e, done) { logText += chunk.toString(); done() } })
  const testApp = await buildTestApp(t, { logStream, env: { LOG_LEVEL: 'debug' } })
  const { app, db } = testApp
  const admin = await createTestUser(testApp, { role: 'admin' })
  const user = await createTestUser(testApp)
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation>> }
  const licenseId = (await app.inject({ method: 'GET', url: '/api/licenses/current', headers: admin.headers })).json().id as string

  const counts = async () => (await sql<{ n: string }>`select (select count(*) from users) + (select count(*) from server_licenses) * 1000 + (select count(*) from client_sessions) * 1000000 as n`.execute(db)).rows[0]!.n
  const tokens = fc.constantFrom(admin.token, user.token, 'garbage', '', `${admin.token}x`, admin.token.split('.').slice(0, 2).join('.') + '.')
  let requests = 0
  let refusals = 0

  for (const [path, methods] of Object.entries(doc.paths)) {
    if (path.startsWith('/docs') || path === '/metrics' || path === '/ws/license') continue
    for (const [method, op] of Object.entries(methods)) {
      const bodySchema = op.requestBody?.content?.['application/json']?.schema
      const legacy = path.includes('/status') || (method === 'put' && path === '/api/licenses/{id}') || path === '/api/licenses/generate'
      await fc.assert(fc.asyncProperty(
        arbitrary(bodySchema), tokens,
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'),
        fc.oneof(fc.constant(licenseId), fc.uuid(), hostileString.filter((s) => s.length > 0 && !s.includes('/'))),
        async (body, token, query, contentType, id) => {
          const url = path.replace(/\{(id|userId)\}/g, () => encodeURIComponent(id)) + (Object.keys(query).length ? `?${new URLSearchParams(query)}` : '')
          const before = await counts()
          const res = await app.inject({
            method: method.toUpperCase() as 'GET', url,
            headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'x-request-id': 'prop' },
            payload: method === 'get' ? undefined : (typeof body === 'string' && !contentType.startsWith('application/json') ? body : JSON.stringify(body) ?? ''),
          })
          requests++
          const tolerated = legacy && res.statusCode === 501 ? 0 : res.statusCode
          if (tolerated >= 500) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`)
          if (res.statusCode >= 400) {
            refusals++
            const keys = Object.keys(res.json() as object).sort()
            if (JSON.stringify(keys) !== JSON.stringify(SHAPE)) throw new Error(`${method} ${url} → ${res.statusCode} not in the error shape: ${res.body}`)
            // (A refusal at the seat limit records its usage_limit_exceeded event, as the contract says: events are not counted.)
            if ((await counts()) !== before) throw new Error(`${method} ${url} → ${res.statusCode} wrote something`)
          }
        }
      ), { numRuns: RUNS_PER_ROUTE, includeErrorInReport: true })
      t.pass(`${method.toUpperCase()} ${path}: ${RUNS_PER_ROUTE} generated requests`)
    }
  }

  // WebSocket frames: text, binary, oversize; the socket answers pings or closes with a contract code.
  const base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws')
  const frames = fc.oneof(hostileString, anyJson.map((v) => JSON.stringify(v)), fc.uint8Array({ maxLength: 6000 }))
  await fc.assert(fc.asyncProperty(frames, async (frame) => {
    const ws = new WebSocket(`${base}/ws/license?token=${user.token}`)
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send(frame)
    ws.send(JSON.stringify({ type: 'ping' }))
    const outcome = await Promise.race([
      new Promise<string>((resolve) => ws.on('message', (data) => { if (String(data).includes('pong')) resolve('pong') })),
      closed.then((code) => `closed ${code}`),
    ])
    requests++
    ws.terminate()
    if (outcome !== 'pong' && outcome !== 'closed 1009') throw new Error(`frame of ${frame.length} answered ${outcome}`)
  }), { numRuns: RUNS_PER_ROUTE })

  printReport({ fault: 'generated inputs (fast-check, every OpenAPI route and WebSocket frames)', requests, unavailable: 0, errors5xx: 0, slow: 0, lostSessions: 0, overAdmissions: 0 })
  t.ok(refusals > 0, `${refusals} of ${requests} generated requests were refused`)
  // The log check: no token, password or key in any line the run wrote.
  for (const secret of [admin.token, user.token, admin.token.split('.')[2]!, admin.password, testApp.secrets.jwtSecret, testApp.secrets.licensePrivateKey.split('\n')[1]!]) {
    t.notOk(logText.includes(secret), 'no secret in the log')
  }
  t.notMatch(logText, /"level":50/, 'no error line')
})

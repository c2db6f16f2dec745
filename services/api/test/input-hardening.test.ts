import { request as httpRequest } from 'node:http'
import t from 'tap'
import { WebSocket } from 'ws'
import { listLicenses } from '@license-hub/db'
import { buildTestApp, type TestApp } from '../../../test/helpers/app.js'
import { Writable } from 'node:stream'
import { createTestUser } from '../../../test/helpers/users.js'

const SHAPE = ['code', 'error', 'message', 'statusCode']

type Line = Record<string, unknown> & { msg?: string; level?: number }
interface Log { lines: Line[]; text: () => string }

/** An api whose log lines (production options, redaction included) are kept in memory. */
async function withLog(
  t: Parameters<typeof buildTestApp>[0]
): Promise<TestApp & { log: Log; admin: Awaited<ReturnType<typeof createTestUser>> }> {
  const log: Log = { lines: [], text: () => log.lines.map((l) => JSON.stringify(l)).join('\n') }
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log.lines.push(JSON.parse(line) as Line)
      done()
    },
  })
  const testApp = await buildTestApp(t, { logStream, env: { LOG_LEVEL: 'info' } })
  const admin = await createTestUser(testApp, { role: 'admin' })
  return { ...testApp, log, admin }
}
const errorLines = (log: Log) => log.lines.filter((l) => (l.level ?? 0) >= 50)

t.test('a NUL or another control character in any string is 400 VALIDATION_ERROR naming the field, never a 500 nor an error log', async (t) => {
  const { app, admin, log } = await withLog(t)
  const cases: Array<[string, string, object, string]> = [
    ['POST', '/api/auth/login', { email: 'a\u0000@example.test', password: 'x' }, 'body.email'],
    ['POST', '/api/auth/login', { email: 'a@example.test', password: 'pass\u0000word' }, 'body.password'],
    ['POST', '/api/users', { email: 'nul\u0000@example.test', password: 'long-enough-password', name: 'N' }, 'body.email'],
    ['POST', '/api/users', { email: 'ok@example.test', password: 'long-enough-password', name: 'Ali\u0000ce' }, 'body.name'],
    ['POST', '/api/users', { email: 'ok2@example.test', password: 'long-enough-password', name: 'Bell\u0007' }, 'body.name'],
    ['POST', '/api/licenses/create-session', { deviceId: 'device\u0000' }, 'body.deviceId'],
    ['POST', '/api/licenses/create-session', { deviceId: 'line\nbreak' }, 'body.deviceId'],
    ['POST', '/api/licenses/generate', { organizationName: 'Org\u0000', licenseTypeId: 2 }, 'body.organizationName'],
  ]
  for (const [method, url, payload, field] of cases) {
    const res = await app.inject({ method: method as 'POST', url, payload, headers: admin.headers, remoteAddress: '10.20.0.1' })
    t.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload)}`)
    t.same(Object.keys(res.json()).sort(), SHAPE)
    t.equal(res.json().code, 'VALIDATION_ERROR')
    t.match(res.json().message, field, `names ${field}`)
  }
  t.same(errorLines(log), [], 'no error line, no stack')
})

t.test('numbers are bounded and bodies are never coerced: null, "0x10", [5] or ["a@b"] are 400', async (t) => {
  const testApp = await withLog(t)
  const { app, admin, db } = testApp
  const licenseId = (await app.inject({ method: 'GET', url: '/api/licenses/current', headers: admin.headers })).json().id as string
  const before = (await listLicenses(db, admin.user.tenantId)).length
  const refused: Array<[string, string, object]> = [
    ['POST', '/api/licenses/generate', { organizationName: 'Big', licenseTypeId: 2 ** 40 }],
    ['POST', '/api/licenses/generate', { organizationName: 'Big', licenseTypeId: 2, webrtcMaxUsers: 2 ** 40 }],
    ['POST', '/api/licenses/generate', { organizationName: 'Null', licenseTypeId: 2, webrtcMaxUsers: null }],
    ['POST', '/api/licenses/generate', { organizationName: 'Hex', licenseTypeId: 2, webrtcMaxUsers: '0x10' }],
    ['POST', '/api/licenses/generate', { organizationName: 'Array', licenseTypeId: 2, webrtcMaxUsers: [5] }],
    ['POST', '/api/licenses/generate', { organizationName: 'Text', licenseTypeId: '2' }],
    ['PUT', `/api/licenses/${licenseId}/webrtc-allocation`, { webrtcMaxUsers: null }],
    ['PUT', `/api/licenses/${licenseId}/webrtc-allocation`, { webrtcMaxUsers: [1] }],
    ['PUT', `/api/licenses/${licenseId}/webrtc-allocation`, { webrtcMaxUsers: 1e300 }],
    ['POST', '/api/licenses/create-session', { deviceId: 'd', force: 'true' }],
  ]
  for (const [method, url, payload] of refused) {
    const res = await app.inject({ method: method as 'POST', url, payload, headers: admin.headers })
    t.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}`)
    t.equal(res.json().code, 'VALIDATION_ERROR')
  }
  t.equal((await listLicenses(db, admin.user.tenantId)).length, before, 'nothing was written')
  const { user, password } = await createTestUser(testApp)
  const arrayEmail = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: [user.email], password } })
  t.equal(arrayEmail.statusCode, 400, 'an email in an array does not log in')
  t.equal(arrayEmail.json().code, 'VALIDATION_ERROR')
  t.same(errorLines(testApp.log), [])
})

t.test('Fastify\'s own refusals answer in the contract\'s shape: 413, 415, 414, 431, unknown fields named', async (t) => {
  const { app, admin } = await withLog(t)
  const large = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'a@b', password: 'x'.repeat(70_000) }) })
  t.equal(large.statusCode, 413)
  t.same(large.json(), { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', error: 'Payload Too Large', message: 'Request body too large' })
  const text = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/xml' }, payload: '<email>a@b</email>' })
  t.equal(text.statusCode, 415)
  t.same(text.json(), { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type', message: 'Unsupported content type: send application/json' })
  const extra = await app.inject({ method: 'POST', url: '/api/users', headers: admin.headers, payload: { email: 'x@example.test', password: 'long-enough-password', name: 'X', isSuperUser: true } })
  t.equal(extra.statusCode, 400)
  t.same(extra.json(), { statusCode: 400, code: 'VALIDATION_ERROR', error: 'Bad Request', message: 'body.isSuperUser is not allowed' })
  const badJson = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' })
  t.equal(badJson.statusCode, 400)
  t.same(Object.keys(badJson.json()).sort(), SHAPE)
  t.equal(badJson.json().code, 'VALIDATION_ERROR')
  const longParam = await app.inject({ method: 'PUT', url: `/api/licenses/${'x'.repeat(300)}/status`, headers: admin.headers, payload: {} })
  t.equal(longParam.statusCode, 414)
  t.same(longParam.json(), { statusCode: 414, code: 'URI_TOO_LONG', error: 'URI Too Long', message: 'Request URI too long' })

  // Header overflow is refused by Node before Fastify has a request: over a real socket.
  const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }))
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: '/health', headers: { 'x-filler': 'y'.repeat(20_000) } }, (r) => {
      let body = ''
      r.on('data', (d: Buffer) => { body += d.toString() })
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(res.status, 431)
  t.same(JSON.parse(res.body), { statusCode: 431, code: 'HEADERS_TOO_LARGE', error: 'Request Header Fields Too Large', message: 'Request header fields too large' })
})

t.test('a plain GET on /ws/license answers 426 in the contract\'s shape', async (t) => {
  const { app } = await withLog(t)
  const res = await app.inject({ method: 'GET', url: '/ws/license' })
  t.equal(res.statusCode, 426)
  t.same(res.json(), { statusCode: 426, code: 'UPGRADE_REQUIRED', error: 'Upgrade Required', message: 'This endpoint is a WebSocket: send an Upgrade request' })
})

t.test('an oversize WebSocket frame closes the socket with 1009 and logs one warn line without a stack; the token is never logged', async (t) => {
  const testApp = await withLog(t)
  const { app, log } = testApp
  const { token } = await createTestUser(testApp)
  const base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws')
  for (let i = 0; i < 3; i++) {
    const ws = new WebSocket(`${base}/ws/license?%74oken=${token}`)
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send('x'.repeat(64 * 1024))
    t.equal(await closed, 1009, `oversize frame ${i + 1} closes with 1009`)
  }
  await new Promise((resolve) => setTimeout(resolve, 100))
  const warns = log.lines.filter((l) => l.msg === 'WebSocket protocol error: socket closed')
  t.equal(warns.length, 3, 'one line per socket')
  for (const line of warns) {
    t.equal(line.level, 40, 'at warn')
    t.notOk(JSON.stringify(line).includes('stack'), 'without a stack')
  }
  t.same(errorLines(log), [])
  t.notOk(log.text().includes(token.split('.')[1]!), 'the percent-encoded token parameter is not logged')
  t.notOk(log.text().includes(token.split('.')[2]!))
})

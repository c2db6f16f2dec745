/**
 * The contract's Logs section: at 30-second heartbeats an info log would be mostly heartbeats, so a
 * successful heartbeat's request lines (and /current's, /health's) are at debug; refusals stay at info.
 */
import t from 'tap'
import { Writable } from 'node:stream'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'
import { createSession, get, licenseWithSeats, validateSession } from './helpers/seats.js'

type Line = { msg?: string; level?: number; req?: { url?: string }; res?: { statusCode?: number } }

const INFO = 30

t.test('successful heartbeats, license reads and probes log their request lines at debug; refusals and other routes at info', async (t) => {
  const lines: Line[] = []
  const logStream = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line))
      done()
    },
  })
  const testApp = await buildTestApp(t, { logStream, env: { LOG_LEVEL: 'info' } })
  const { app } = testApp
  await licenseWithSeats(testApp, 5)
  const user = await createTestUser(testApp)
  const { sessionId } = (await createSession(app, user.headers, 'device-1')).json()

  const infoLinesOf = async (send: () => Promise<{ statusCode: number }>) => {
    const before = lines.length
    const res = await send()
    return { status: res.statusCode, info: lines.slice(before).filter((l) => (l.level ?? 0) >= INFO) }
  }

  const quiet = [
    ['a valid heartbeat', () => validateSession(app, user.headers, sessionId)],
    ['the license in force', () => get(app, '/api/licenses/current', user.headers)],
    ['the license in force, with a query string', () => get(app, '/api/licenses/current?x=1', user.headers)],
    ['a health probe', () => app.inject({ method: 'GET', url: '/health' })],
  ] as const
  for (const [what, send] of quiet) {
    const { status, info } = await infoLinesOf(send)
    t.equal(status, 200, `${what} answered`)
    t.same(info, [], `${what} logged nothing at info`)
  }

  const other = await infoLinesOf(() => get(app, '/api/licenses/session-count', user.headers))
  t.equal(other.status, 200, 'the seat count answered')
  t.same(other.info.map((l) => l.msg), ['incoming request', 'request completed'], 'another route logs its request lines at info')

  const refused = await infoLinesOf(() => validateSession(app, user.headers, '00000000-0000-4000-8000-000000000000'))
  t.equal(refused.status, 200, 'a heartbeat of an unknown session answers')
  t.ok(refused.info.some((l) => l.msg !== 'incoming request' && l.msg !== 'request completed'), 'its refusal logs its own line at info')

  const unauthenticated = await infoLinesOf(() => app.inject({ method: 'GET', url: '/api/licenses/current' }))
  t.equal(unauthenticated.status, 401)
  t.ok(unauthenticated.info.some((l) => l.msg === 'request completed' && l.res?.statusCode === 401), 'a refused license read logs its request line at info')
})

t.test('at LOG_LEVEL=debug the quiet routes\' request lines are there', async (t) => {
  const lines: Line[] = []
  const logStream = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line))
      done()
    },
  })
  const testApp = await buildTestApp(t, { logStream, env: { LOG_LEVEL: 'debug' } })
  const res = await testApp.app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  const probe = lines.filter((l) => l.req?.url === '/health' || l.msg === 'request completed')
  t.ok(probe.some((l) => l.msg === 'incoming request' && l.level === 20), 'incoming request at debug')
  t.ok(lines.some((l) => l.msg === 'request completed' && l.level === 20 && l.res?.statusCode === 200), 'request completed at debug')
})

t.test('a request\'s lines carry its request id, at the route\'s own level', async (t) => {
  const lines: Array<Line & { reqId?: string; err?: unknown }> = []
  const logStream = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line))
      done()
    },
  })
  const testApp = await buildTestApp(t, { logStream, env: { LOG_LEVEL: 'info' } })
  const user = await createTestUser(testApp)
  const res = await testApp.app.inject({ method: 'GET', url: '/api/licenses/session-count', headers: { ...user.headers, 'x-request-id': 'req-lines-1' } })
  t.equal(res.statusCode, 200)
  const mine = lines.filter((l) => l.reqId === 'req-lines-1')
  t.same(mine.map((l) => l.msg), ['incoming request', 'request completed'], 'both request lines, bound to the request id')
  const metrics = await testApp.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-request-id': 'req-lines-2' } })
  t.equal(metrics.statusCode, 200)
  t.same(lines.filter((l) => l.reqId === 'req-lines-2'), [], '/metrics logs at warn: no info lines')
})

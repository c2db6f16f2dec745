import { readFileSync } from 'node:fs'
import t from 'tap'
import { Value } from 'typebox/value'
import { CLOSE_CODES, LICENSE_EVENT_TYPES, ServerMessage } from '../src/index.js'
import * as wsConstants from '../src/ws/constants.js'

t.test('the ./ws entry the client takes at runtime imports nothing, so it carries no TypeBox', async (t) => {
  const source = readFileSync(new URL('../src/ws/constants.ts', import.meta.url), 'utf8')
  t.notMatch(source, /^\s*import\s/m)
  t.equal(wsConstants.CLOSE_CODES, CLOSE_CODES)
})

t.test('the close codes are the contract\'s', async (t) => {
  t.same(CLOSE_CODES, { goingAway: 1001, badToken: 1008, tryAgainLater: 1013, slowConsumer: 4000 })
})

t.test('a server message is an event of a listed type with its data, a pong or a resync', async (t) => {
  const event = {
    id: '42', type: 'usage_limit_warning', tenantId: '8e4b3c52-4a4e-4c3c-9c1c-0c8f2d1f6d11', timestamp: '2025-06-01T12:00:00.000Z',
    data: { activeSessions: 4, webrtcMaxUsers: 5, usagePercent: 80, severity: 'warning', message: 'WebRTC Extension usage is at 80%' },
  }
  t.ok(Value.Check(ServerMessage, event))
  t.notOk(Value.Check(ServerMessage, { ...event, type: 'license_sold' }), 'unknown type')
  t.notOk(Value.Check(ServerMessage, { ...event, type: 'module_activated' }), 'data of another type')
  t.notOk(Value.Check(ServerMessage, { ...event, data: { ...event.data, severity: 'fatal' } }), 'unknown severity')
  t.notOk(Value.Check(ServerMessage, { ...event, data: { activeSessions: 4, webrtcMaxUsers: 5, usagePercent: 80 } }), 'no toast')
  t.notOk(Value.Check(ServerMessage, { ...event, id: 'abc' }), 'id is not a durable id')
  t.ok(Value.Check(ServerMessage, { type: 'pong', timestamp: '2025-06-01T12:00:00.000Z' }))
  t.ok(Value.Check(ServerMessage, { type: 'resync' }))
  t.equal(LICENSE_EVENT_TYPES.length, 8)
})

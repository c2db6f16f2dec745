/**
 * The api's schema compilers. Answers are serialized by their route schema; a union told apart by a
 * constant property (the heartbeat's `valid`) by the branch it names, without validating the answer
 * against each branch. Route schemas are checked against the meta-schema outside production.
 */
import t from 'tap'
import { LicenseSummary, SessionValidation } from '@license-hub/contract'
import { deepFreeze } from '@license-hub/core'
import { compilersFactory } from '../src/validation.js'

const serializerFor = (schema: unknown) =>
  compilersFactory(true).buildSerializer!({}, {})({ schema, method: 'POST', url: '/x', httpStatus: '200' } as never) as (data: unknown) => string

const license = {
  id: '3f0f6f0e-1c1a-4c55-9d5a-2b8a9b0c1d2e', source: 'local', organizationName: 'Acme', status: 'active',
  licenseType: { id: 3, name: 'Enterprise', features: { calls: true }, maxConcurrentUsers: 25 },
  features: { calls: true, webrtc_extension: true }, webrtcEnabled: true, maxUsers: 25, webrtcMaxUsers: 25,
  issuedAt: '2026-01-01T00:00:00.000Z', expiresAt: null, lastSyncedAt: null,
}

t.test('each branch of the heartbeat\'s answer serializes as its own schema says', async (t) => {
  const serialize = serializerFor(SessionValidation)
  const valid = { valid: true, expiresAt: '2026-12-06T00:01:30.000Z', license: { ...license, secret: 'x' }, activeSessions: 3, webrtcMaxUsers: 25, extra: 1 }
  t.strictSame(JSON.parse(serialize(valid)), {
    valid: true, expiresAt: '2026-12-06T00:01:30.000Z', license, activeSessions: 3, webrtcMaxUsers: 25,
  }, 'a valid answer: its fields, nothing else')
  t.notMatch(serialize(valid), /secret|extra/, 'no field outside the schema leaves')
  const invalid = { valid: false, code: 'SESSION_NOT_FOUND', message: 'Session not found', license }
  t.same(JSON.parse(serialize(invalid)), { valid: false, code: 'SESSION_NOT_FOUND', message: 'Session not found' })
})

t.test('the branch is chosen by `valid`, not by validating the answer', async (t) => {
  const serialize = serializerFor(SessionValidation)
  // Ajv would refuse this license id (not a uuid), which is how fast-json-stringify picks a union's branch.
  const odd = { valid: true, expiresAt: '2026-12-06T00:01:30.000Z', license: { ...license, id: 'not-a-uuid' }, activeSessions: 1, webrtcMaxUsers: 25 }
  t.equal(JSON.parse(serialize(odd)).license.id, 'not-a-uuid')
})

t.test('any other schema serializes as Fastify would', async (t) => {
  const serialize = serializerFor({ type: 'object', properties: { a: { type: 'integer' } } })
  t.equal(serialize({ a: 1, b: 2 }), '{"a":1}')
})

t.test('outside production a route schema that breaks the meta-schema is refused as it compiles', async (t) => {
  const validatorFor = (checkSchemas: boolean) => compilersFactory(checkSchemas).buildValidator!({}, {})
  const route = { schema: { type: 'string', minLength: -1 }, method: 'POST', url: '/x', httpPart: 'body' } as never
  t.throws(() => validatorFor(true)(route), /schema is invalid/, 'checked: minLength must be a non-negative integer')
  t.type(validatorFor(false)(route), 'function', 'production compiles it unchecked')
})

t.test('a nullable field of an answer serializes as its value or null, without being validated', async (t) => {
  const serialize = serializerFor(LicenseSummary)
  t.equal(JSON.parse(serialize(license)).expiresAt, null, 'null stays null')
  const dated = { ...license, expiresAt: '2027-01-01T00:00:00.000Z', lastSyncedAt: '2026-12-06T10:00:00.000Z' }
  t.strictSame(JSON.parse(serialize(dated)), dated, 'a date stays the date')
  // A union would be serialized by validating the value against each branch (and refuse this one).
  t.equal(JSON.parse(serialize({ ...license, expiresAt: 'soon' })).expiresAt, 'soon')
})

t.test('a deeply frozen answer, or a deeply frozen object in one, is written once per object and as its schema says', async (t) => {
  const frozen = deepFreeze({ ...structuredClone(license), secret: 'x' })
  const current = serializerFor(LicenseSummary)
  const text = current(frozen)
  t.strictSame(JSON.parse(text), license, 'the schema\'s fields only, the frozen way too')
  t.equal(current(frozen), text, 'the same text again')
  // A getter counts the reads: a kept text reads nothing.
  let reads = 0
  const counted = deepFreeze(Object.defineProperty(structuredClone(license), 'organizationName', {
    get: () => { reads++; return 'Acme' }, enumerable: true,
  }))
  const heartbeatOf = (summary: unknown) => ({ valid: true, expiresAt: '2026-12-06T00:01:30.000Z', license: summary, activeSessions: 1, webrtcMaxUsers: 25 })
  const beat = serializerFor(SessionValidation)
  for (const write of [() => current(counted), () => beat(heartbeatOf(counted))]) {
    t.match(write(), /"organizationName":"Acme"/)
    const after = reads
    write()
    write()
    t.equal(reads, after, 'written once: later answers do not read the object again')
  }

  const heartbeat = serializerFor(SessionValidation)
  const answer = (activeSessions: number) => ({ valid: true, expiresAt: '2026-12-06T00:01:30.000Z', license: frozen, activeSessions, webrtcMaxUsers: 25, extra: 1 })
  for (const activeSessions of [3, 4]) {
    t.strictSame(JSON.parse(heartbeat(answer(activeSessions))), {
      valid: true, expiresAt: '2026-12-06T00:01:30.000Z', license, activeSessions, webrtcMaxUsers: 25,
    }, `the answer's own fields are written each time (activeSessions ${activeSessions}) around the kept license`)
  }
  t.notMatch(heartbeat(answer(3)), /secret|extra/, 'no field outside the schema leaves')

  // What is not deeply frozen is written afresh each time: a change to it shows.
  const shallow = Object.freeze({ ...license, features: { calls: true } as Record<string, boolean> })
  t.equal(JSON.parse(current(shallow)).features.calls, true)
  shallow.features.calls = false
  t.equal(JSON.parse(current(shallow)).features.calls, false, 'a shallow-frozen object is not kept')
  const open = { ...license }
  t.equal(JSON.parse(heartbeat({ ...answer(1), license: open })).license.organizationName, 'Acme')
  open.organizationName = 'Renamed'
  t.equal(JSON.parse(heartbeat({ ...answer(1), license: open })).license.organizationName, 'Renamed', 'an unfrozen license is written afresh')
  t.equal(JSON.parse(heartbeat({ valid: false, code: 'SESSION_NOT_FOUND', message: 'm', license: frozen })).license, undefined, 'the other branch is untouched')
})

/**
 * The api's schema compilers. Answers are serialized by their route schema; a union told apart by a
 * constant property (the heartbeat's `valid`) by the branch it names, without validating the answer
 * against each branch. Route schemas are checked against the meta-schema outside production.
 */
import t from 'tap'
import { LicenseSummary, SessionValidation } from '@license-hub/contract'
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

import t from 'tap'
import { WEBRTC_FEATURE, hasFeature, parseFeatures } from '../src/index.js'

const stored = { calls: true, webrtc_extension: true, sms: false }

t.test('an object, a JSON string and a doubly-encoded string parse to the same flags', async (t) => {
  const expected = { features: stored, malformed: false }
  t.same(parseFeatures(stored), expected)
  t.same(parseFeatures(JSON.stringify(stored)), expected)
  t.same(parseFeatures(JSON.stringify(JSON.stringify(stored))), expected)
})

t.test('nothing stored means no features, not a malformed value', async (t) => {
  for (const raw of [null, undefined, '', '  ', 'null']) {
    t.same(parseFeatures(raw), { features: {}, malformed: false }, JSON.stringify(raw) ?? 'undefined')
  }
})

t.test('malformed values give no features and say so, never throwing', async (t) => {
  for (const raw of ['{calls:true', 'not json', '[1,2]', '42', '"calls"', 42, true, ['calls'], () => 1]) {
    t.same(parseFeatures(raw), { features: {}, malformed: true }, String(raw))
  }
})

t.test('boolean-ish values become flags and anything else is dropped', async (t) => {
  const raw = { a: 'true', b: 'FALSE', c: 1, d: 0, e: '1', f: '0', g: 'yes', h: 2, i: null, j: { nested: true } }
  t.same(parseFeatures(raw).features, { a: true, b: false, c: true, d: false, e: true, f: false })
  t.equal(parseFeatures(raw).malformed, false)
})

t.test('hasFeature is true only for a flag set to true', async (t) => {
  const { features } = parseFeatures('{"webrtc_extension":"true","sms":false,"__proto__":true}')
  t.equal(hasFeature(features, WEBRTC_FEATURE), true)
  t.equal(hasFeature(features, 'sms'), false)
  t.equal(hasFeature(features, 'calls'), false)
  t.equal(hasFeature(features, 'toString'), false, 'inherited properties are not features')
  t.equal(hasFeature(features, '__proto__'), true, 'a hostile key stays a plain own flag')
  t.equal(Object.getPrototypeOf(features), Object.prototype)
  t.equal(hasFeature(null, WEBRTC_FEATURE), false)
})

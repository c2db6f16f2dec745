import t from 'tap'
import { generateFingerprint } from '../src/index.js'

t.test('a fingerprint is 64 random hex characters', async (t) => {
  const fingerprints = Array.from({ length: 50 }, generateFingerprint)
  for (const fingerprint of fingerprints) t.match(fingerprint, /^[0-9a-f]{64}$/)
  t.equal(new Set(fingerprints).size, fingerprints.length)
})

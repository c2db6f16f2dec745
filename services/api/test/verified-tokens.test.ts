/**
 * The per-node cache of verified tokens: found by signature, but a hit must be the very token that
 * was verified, and never past its `exp`.
 */
import t from 'tap'
import { bearerToken, VerifiedTokens } from '../src/plugins/verified-tokens.js'
import type { VerifiedUser } from '../src/plugins/auth.js'

const user = (tokenExpiresAt: number): VerifiedUser => ({
  id: '3f0f6f0e-1c1a-4c55-9d5a-2b8a9b0c1d2e', tenantId: '4a0f6f0e-1c1a-4c55-9d5a-2b8a9b0c1d2e', role: 'user', tokenVersion: 0, tokenExpiresAt,
})

t.test('a token is found only as it was verified, and only until its exp', async (t) => {
  let clock = 1_000
  const tokens = new VerifiedTokens(() => clock)
  const token = 'aGVhZGVy.eyJyb2xlIjoidXNlciJ9.c2lnbmF0dXJl'
  tokens.set(token, user(2_000))
  t.same(tokens.get(token), user(2_000), 'the verified token')
  t.same(tokens.get(`${token}`.split('').join('')), user(2_000), 'the same text in another string')
  t.equal(tokens.get('aGVhZGVy.eyJyb2xlIjoiYWRtaW4ifQ.c2lnbmF0dXJl'), undefined, 'other claims under the same signature')
  t.equal(tokens.get('c2lnbmF0dXJl'), undefined, 'the signature alone')
  t.equal(tokens.get('aGVhZGVy.eyJyb2xlIjoidXNlciJ9.b3RoZXI'), undefined, 'another signature')
  clock = 2_000
  t.equal(tokens.get(token), undefined, 'not at its exp')
  clock = 1_000
  t.equal(tokens.get(token), undefined, 'an expired entry is gone')
})

t.test('the bearer token is read from the header as @fastify/jwt reads it', async (t) => {
  t.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi')
  t.equal(bearerToken('bearer abc.def.ghi'), 'abc.def.ghi', 'the scheme in any case')
  for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'Bearerabc']) t.equal(bearerToken(header), undefined, String(header))
  // @fastify/jwt's own reading, which a token must pass the same way here and there.
  const jwtPlugins = (header: string) => {
    if (!/^Bearer\s/i.test(header)) return undefined
    const parts = header.split(' ')
    return parts.length === 2 && parts[1] ? parts[1] : undefined
  }
  for (const header of ['Bearer\tabc def', 'Bearer\tabc', 'Bearer  abc', 'Bearer abc ', ' Bearer abc', 'BEARER abc', 'Bearer\nabc d']) {
    t.equal(bearerToken(header), jwtPlugins(header), JSON.stringify(header))
  }
})

import t from 'tap'
import { dummyPasswordHash, hashPassword, verifyAgainstDummy, verifyPassword } from '../src/index.js'

t.test('a hash is scrypt with its parameters, salt and key encoded', async (t) => {
  const encoded = await hashPassword('correct horse')
  const [scheme, n, r, p, salt, hash] = encoded.split('$')
  t.same([scheme, n, r, p], ['scrypt', '16384', '8', '1'])
  t.equal(Buffer.from(salt!, 'base64').length, 16)
  t.equal(Buffer.from(hash!, 'base64').length, 64)
  t.not(await hashPassword('correct horse'), encoded, 'each hash has its own salt')
})

t.test('the right password verifies and a wrong one does not', async (t) => {
  const encoded = await hashPassword('correct horse')
  t.equal(await verifyPassword('correct horse', encoded), true)
  t.equal(await verifyPassword('correct horsE', encoded), false)
  t.equal(await verifyPassword('', encoded), false)
})

t.test('a malformed or hostile encoding is false, not an error', async (t) => {
  const [, , , , salt, hash] = (await hashPassword('pw')).split('$')
  const bad = [
    '', 'plain', 'bcrypt$16384$8$1$' + salt + '$' + hash, `scrypt$16384$8$1$${salt}`, `scrypt$16384$8$1$${salt}$${hash}$x`,
    `scrypt$1000$8$1$${salt}$${hash}`, `scrypt$${2 ** 24}$8$1$${salt}$${hash}`, `scrypt$16384$0$1$${salt}$${hash}`,
    `scrypt$16384$8$1$$${hash}`, `scrypt$16384$8$1$${salt}$AAAA`, `scrypt$abc$8$1$${salt}$${hash}`,
  ]
  for (const encoded of bad) t.equal(await verifyPassword('pw', encoded), false, encoded)
  t.equal(await verifyPassword('pw', null as unknown as string), false)
})

t.test('the dummy hash is computed once and never matches', async (t) => {
  const first = await dummyPasswordHash()
  t.equal(await dummyPasswordHash(), first)
  t.match(first, /^scrypt\$16384\$8\$1\$/)
  t.equal(await verifyAgainstDummy('anything'), false)
})

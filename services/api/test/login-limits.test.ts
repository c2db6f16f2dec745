import t from 'tap'
import { buildTestApp, type TestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'

const login = (app: TestApp['app'], body: unknown, remoteAddress = '10.0.0.1') =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: body as object, remoteAddress })

t.test('X-Forwarded-For is believed only from trusted proxies: rotating it neither escapes the address limit nor locks out another address', async (t) => {
  const testApp = await buildTestApp(t)
  const { user, password } = await createTestUser(testApp)
  const forwarded = (forwardedFor: string, remoteAddress: string, body: object) =>
    testApp.app.inject({ method: 'POST', url: '/api/auth/login', payload: body, remoteAddress, headers: { 'x-forwarded-for': forwardedFor } })
  const statuses: number[] = []
  for (let i = 0; i < 32; i++) {
    statuses.push((await forwarded(`198.51.100.${i}`, '203.0.113.9', { email: `nobody-${i}@example.test`, password: 'x' })).statusCode)
  }
  t.same(statuses.slice(0, 30), Array(30).fill(401))
  t.same(statuses.slice(30), [429, 429], 'the 31st attempt from one address is refused, whatever its X-Forwarded-For says')
  t.equal((await login(testApp.app, { email: user.email, password }, '198.51.100.3')).statusCode, 200, 'the addresses it named were not locked out')

  // Behind the loopback proxy (Nginx appends the real address): the last untrusted hop is the client.
  const behind: number[] = []
  for (let i = 0; i < 31; i++) {
    behind.push((await forwarded(`10.${i}.0.1, 192.0.2.44`, '127.0.0.1', { email: `nobody-${i}@example.test`, password: 'x' })).statusCode)
  }
  t.equal(behind.at(-1), 429, 'a spoofed leftmost hop does not change the client address behind a trusted proxy')
  t.equal((await forwarded('192.0.2.45', '127.0.0.1', { email: user.email, password })).statusCode, 200, 'another client behind the same proxy still logs in')
})

t.test('TRUSTED_PROXIES lists the proxies believed; an untrusted hop in the chain stops the walk', async (t) => {
  const testApp = await buildTestApp(t, { env: { TRUSTED_PROXIES: '10.1.0.0/16' } })
  const seen: string[] = []
  const probe = async (forwardedFor: string, remoteAddress: string) => {
    const email = `nobody-${seen.length}@example.test`
    const res = await testApp.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'x' }, remoteAddress, headers: { 'x-forwarded-for': forwardedFor } })
    seen.push(String(res.statusCode))
  }
  for (let i = 0; i < 30; i++) await probe(`1.2.3.${i}, 192.0.2.7, 10.1.2.3`, '10.1.0.5')
  await probe('5.6.7.8, 192.0.2.7', '10.1.9.9')
  t.equal(seen.at(-1), '429', 'two trusted hops are skipped and 192.0.2.7 is the client')
  await probe('192.0.2.7', '127.0.0.1')
  t.equal(seen.at(-1), '401', 'loopback is not trusted once TRUSTED_PROXIES names others, so 127.0.0.1 is the client')
})

t.test('a parallel burst gets no more guesses than the limit: 5 per email, 30 per address, across two nodes', async (t) => {
  const a = await buildTestApp(t)
  const b = await buildTestApp(t, { databaseUrl: a.databaseUrl, redisPrefix: a.redisPrefix })
  const { user, password } = await createTestUser(a)
  const attempts = Array.from({ length: 150 }, (_, i) => ({ node: i % 2 ? a.app : b.app, password: i === 75 ? password : `wrong-${i}`, ip: `10.7.${i >> 8}.${i & 255}` }))
  const answers = await Promise.all(attempts.map(({ node, password, ip }) => login(node, { email: user.email, password }, ip)))
  const counted = answers.filter((res) => res.statusCode !== 429)
  t.ok(counted.length <= 5, `at most 5 guesses were checked (${counted.length})`)
  t.equal(answers.filter((res) => res.statusCode === 429).length, 150 - counted.length, 'every other attempt is 429')
  t.notOk(answers.some((res) => res.statusCode === 500))

  const byAddress = await Promise.all(Array.from({ length: 100 }, (_, i) => login(i % 2 ? a.app : b.app, { email: `nobody-${i}@example.test`, password: 'x' }, '10.8.0.1')))
  t.equal(byAddress.filter((res) => res.statusCode === 401).length, 30, 'exactly 30 guesses from one address')
  t.equal(byAddress.filter((res) => res.statusCode === 429).length, 70)
})

t.test('a success gives its guess back; an address that proved the password keeps logging in while the email is locked elsewhere', async (t) => {
  const testApp = await buildTestApp(t)
  const { user, password } = await createTestUser(testApp)
  for (let i = 0; i < 10; i++) t.equal((await login(testApp.app, { email: user.email, password }, '10.3.0.1')).statusCode, 200, `success ${i + 1} is not counted`)
  for (let i = 0; i < 5; i++) t.equal((await login(testApp.app, { email: user.email, password: `guess-${i}` }, `10.4.0.${i}`)).statusCode, 401)
  t.equal((await login(testApp.app, { email: user.email, password }, '10.5.0.1')).statusCode, 429, 'a new address waits for the window')
  t.equal((await login(testApp.app, { email: user.email, password }, '10.3.0.1')).statusCode, 200, 'the proven address is not locked out by guesses from elsewhere')
  t.equal((await login(testApp.app, { email: user.email, password: 'wrong' }, '10.3.0.1')).statusCode, 401, 'it still gets a wrong-password answer, counted for its address')
})

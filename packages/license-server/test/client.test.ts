import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { createLicenseServerClient, LicenseServerError, type LicenseServerOptions } from '@license-hub/license-server'
import { fakeLicense, refusedUrl, startFakeLicenseServer } from '@license-hub/test-support'

const FAST = { connectTimeoutMs: 300, responseTimeoutMs: 300, retries: 1, retryDelayMs: 10 }

function client(t: { teardown: (fn: () => unknown) => void }, options: LicenseServerOptions) {
  const c = createLicenseServerClient({ ...FAST, ...options })
  t.teardown(() => c.close())
  return c
}

async function failure(promise: Promise<unknown>): Promise<LicenseServerError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof LicenseServerError) return err
    throw err
  }
  throw new Error('expected a LicenseServerError')
}

t.test('lists the licenses in the seed format and sends the API key header', async (t) => {
  const fake = await startFakeLicenseServer(t)
  fake.licenses = [fakeLicense('fp-1'), fakeLicense('fp-2')]
  const result = await client(t, { url: `${fake.url}/`, apiKey: 'secret-key' }).fetchLicenses()
  t.equal(result.found, true)
  t.same(result.found && result.licenses.map((l) => l.server_fingerprint), ['fp-1', 'fp-2'])
  t.equal(fake.requests[0]?.path, '/licenses', 'trailing slash of the base URL is dropped')
  t.equal(fake.requests[0]?.headers['x-internal-api-key'], 'secret-key')
})

t.test('a base URL with a path: every call goes under it', async (t) => {
  const asked: string[] = []
  const server = createServer((req, res) => {
    asked.push(req.url ?? '')
    res.setHeader('content-type', 'application/json')
    res.end(req.url?.endsWith('/webrtc-sessions') ? JSON.stringify({ webrtc_max_users: 7, activeSessions: 0 }) : JSON.stringify({ data: [] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  const c = client(t, { url: `http://127.0.0.1:${port}/api/v1/` })
  t.same(await c.fetchLicenses(), { found: true, licenses: [] })
  t.same(await c.fetchLicenseTypes(), [])
  t.equal(await c.fetchWebrtcAllocation('lic 1'), 7)
  t.same(asked, ['/api/v1/licenses', '/api/v1/licenses/types', '/api/v1/licenses/lic%201/webrtc-sessions'])
})

t.test('a 404 on /licenses means "no license for us", not a failure', async (t) => {
  const fake = await startFakeLicenseServer(t)
  fake.mode = 'not-found'
  t.same(await client(t, { url: fake.url }).fetchLicenses(), { found: false })
  t.equal(fake.hits('/licenses'), 1, 'a 404 is not retried')
})

t.test('a 500 is retried a bounded number of times, then reported', async (t) => {
  const fake = await startFakeLicenseServer(t)
  fake.mode = 'error'
  const err = await failure(client(t, { url: fake.url, retries: 2 }).fetchLicenses())
  t.equal(err.kind, 'http')
  t.equal(err.status, 500)
  t.match(err.message, 'GET /licenses: answered 500')
  t.equal(fake.hits('/licenses'), 3, 'one call and two retries')
})

t.test('a server that hangs past the timeout is reported as a timeout', async (t) => {
  const fake = await startFakeLicenseServer(t)
  fake.mode = 'hang'
  const err = await failure(client(t, { url: fake.url, retries: 0 }).fetchLicenses())
  t.equal(err.kind, 'timeout')
})

t.test('a refused connection is reported as refused', async (t) => {
  const err = await failure(client(t, { url: await refusedUrl() }).fetchLicenses())
  t.equal(err.kind, 'refused')
  t.match(err.message, 'connection refused')
})

t.test('garbage JSON is malformed and not retried', async (t) => {
  const fake = await startFakeLicenseServer(t)
  fake.mode = 'garbage'
  const err = await failure(client(t, { url: fake.url }).fetchLicenses())
  t.equal(err.kind, 'malformed')
  t.equal(fake.hits('/licenses'), 1)
})

t.test('JSON of the wrong shape is malformed, naming the field', async (t) => {
  const fake = await startFakeLicenseServer(t)
  fake.licenses = [fakeLicense('fp-1', { max_users: 'many' as unknown as number })]
  const err = await failure(client(t, { url: fake.url }).fetchLicenses())
  t.equal(err.kind, 'malformed')
  t.match(err.message, 'max_users')

  fake.licenses = [fakeLicense('fp-1', { expires_at: 'someday' })]
  t.match((await failure(client(t, { url: fake.url }).fetchLicenses())).message, 'expires_at is not a date')
})

t.test('types and the optional webrtc-sessions call', async (t) => {
  const fake = await startFakeLicenseServer(t)
  const c = client(t, { url: fake.url })
  t.same((await c.fetchLicenseTypes()).map((type) => type.id), [2])
  fake.webrtcAllocations.set('7', 12)
  t.equal(await c.fetchWebrtcAllocation(7), 12)
  t.equal(await c.fetchWebrtcAllocation(8), undefined, 'a 404 means the server does not offer it')
})

t.test('many webrtc-sessions calls: each answers for its own license over a bounded pool', async (t) => {
  const fake = await startFakeLicenseServer(t)
  const c = client(t, { url: fake.url, connections: 4 })
  for (let id = 1; id <= 40; id += 2) fake.webrtcAllocations.set(String(id), id)
  const answers = await c.fetchWebrtcAllocations(Array.from({ length: 40 }, (_, i) => i + 1))
  t.equal(answers.size, 40)
  t.equal(answers.get('7'), 7)
  t.equal(answers.get('8'), undefined, 'a 404 means the server does not offer it for that license')
  t.equal(fake.hits('/licenses/8/webrtc-sessions'), 1, 'one attempt each (the call is optional)')
})

t.test('webrtc-sessions calls stop after a few in a row cannot reach the server; the rest answer that failure', async (t) => {
  const fake = await startFakeLicenseServer(t)
  fake.webrtcMode = 'error'
  const c = client(t, { url: fake.url, connections: 1 })
  const answers = await c.fetchWebrtcAllocations(Array.from({ length: 20 }, (_, i) => i + 1))
  t.equal(answers.size, 20)
  t.ok([...answers.values()].every((a) => a instanceof LicenseServerError && a.kind === 'http'), 'every license is told the failure')
  const made = fake.requests.filter((r) => r.path.endsWith('/webrtc-sessions')).length
  t.equal(made, 3, 'a server that is down is not asked once per license')

  fake.webrtcMode = 'not-found'
  const none = await c.fetchWebrtcAllocations(Array.from({ length: 5 }, (_, i) => i + 1))
  t.same([...none.values()], [undefined, undefined, undefined, undefined, undefined], 'a 404 is an answer, not a failure')
})

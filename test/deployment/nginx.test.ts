/**
 * The deployment shape of docker-compose.yml: two api nodes on one database and one Redis behind
 * the Nginx of infra/nginx/nginx.conf (rendered with the nodes' ports, see test/helpers/nginx.ts).
 */
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { usageEvent } from '@license-hub/core'
import { publishEvent } from '@license-hub/licensing'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { findNginx, startNginx, type RunningNginx } from '../helpers/nginx.js'
import { createTestUser } from '../helpers/users.js'
import { connect, eventually, sdkClient } from '../ws/ws-client.js'

type Test = Parameters<Parameters<typeof t.test>[0]>[0]

interface Node extends TestApp { label: string }

const nginxBinary = findNginx()
const skip = nginxBinary ? false : 'nginx is not installed (.ci/run installs it with apt)'

/** Two listening api nodes, each answering GET /probe/node with its label, behind nginx. */
async function deployment(t: Test): Promise<{ nodes: [Node, Node]; nginx: RunningNginx; byLabel: (label: string) => Node }> {
  const node = async (label: string, share?: TestApp): Promise<Node> => {
    const testApp = await buildTestApp(t, {
      databaseUrl: share?.databaseUrl,
      redisPrefix: share?.redisPrefix,
      beforeReady: (app) => {
        app.get('/probe/node', async (request) => ({ node: label, requestId: request.id }))
      },
    })
    await testApp.app.listen({ port: 0, host: '127.0.0.1' })
    return { ...testApp, label }
  }
  const a = await node('a')
  const b = await node('b', a)
  const address = ({ app }: Node) => `127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const nginx = await startNginx(t, { upstreams: [address(a), address(b)], binary: nginxBinary })
  return { nodes: [a, b], nginx, byLabel: (label) => (label === a.label ? a : b) }
}

async function probe(
  nginx: RunningNginx, headers: Record<string, string> = {}
): Promise<{ node: string; requestId: string; echoed: string | null }> {
  const res = await fetch(`${nginx.url}/probe/node`, { headers })
  if (res.status !== 200) throw new Error(`probe answered ${res.status}`)
  const body = await res.json() as { node: string; requestId: string }
  return { ...body, echoed: res.headers.get('x-request-id') }
}

/** The access log shows the WebSocket requests (so it was written) and none of the tokens. */
async function assertLogsHideTokens(t: Test, nginx: RunningNginx, tokens: string[], wsRequests: number): Promise<void> {
  const count = (text: string) => text.split('GET /ws/license ').length - 1
  const log = await eventually(() => nginx.accessLog(), (text) => count(text) >= wsRequests)
  t.ok(count(log) >= wsRequests, `at least ${wsRequests} WebSocket requests are in the access log, by path`)
  t.notOk(log.includes('token='), 'no query string in the access log')
  for (const token of tokens) {
    t.notOk(log.includes(token), 'the access log never contains a JWT')
    t.notOk(nginx.errorLog().includes(token), 'nor does the error log')
  }
}

t.test('REST through nginx: the admin logs in and reads the license in force; X-Request-Id reaches the api and comes back', { skip }, async (t) => {
  const { nodes: [a], nginx } = await deployment(t)
  const login = await fetch(`${nginx.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.test', password: 'admin-password' }),
  })
  t.equal(login.status, 200)
  const { token, user } = await login.json() as { token: string; user: { role: string } }
  t.equal(user.role, 'admin')

  const current = await fetch(`${nginx.url}/api/licenses/current`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(current.status, 200)
  const direct = await a.app.inject({ method: 'GET', url: '/api/licenses/current', headers: { authorization: `Bearer ${token}` } })
  t.same(await current.json(), direct.json(), 'the same license summary as the api answers directly')

  const requestId = `client-${crypto.randomUUID()}`
  const seen = await probe(nginx, { 'x-request-id': requestId })
  t.equal(seen.requestId, requestId, 'the api handled the request under the client\'s id')
  t.equal(seen.echoed, requestId, 'and the answer through nginx carries it back')
  const generated = await probe(nginx)
  t.match(generated.requestId, /^[0-9a-f]{32}$/, 'without one, nginx makes one up ($request_id) and the api uses it')
  t.equal(generated.echoed, generated.requestId)
  t.match(nginx.accessLog(), `rid=${requestId}`, 'the access log carries the same id')
  t.notOk(nginx.accessLog().includes(token))
})

t.test('ip_hash keeps a client on one node for REST and WebSockets; an event published once reaches sockets authenticated either way', { skip }, async (t) => {
  const { nodes: [a, b], nginx, byLabel } = await deployment(t)
  const seen = new Set<string>()
  for (let i = 0; i < 12; i++) seen.add((await probe(nginx)).node)
  t.equal(seen.size, 1, 'twelve requests from one address all land on one node (round robin would alternate)')
  const sticky = byLabel([...seen][0]!)
  const other = sticky === a ? b : a

  const { token } = await createTestUser(a)
  const byQuery = await connect(t, nginx.wsUrl, { token })
  const byProtocol = await connect(t, nginx.wsUrl, { protocols: [`bearer.${token}`] })
  t.equal(byProtocol.ws.protocol, `bearer.${token}`, 'the subprotocol is echoed through nginx')
  t.equal(sticky.app.wsHub.hub.size, 2, 'both sockets landed on the sticky node')
  t.equal(other.app.wsHub.hub.size, 0)

  // Published on the node the sockets are not on: it crosses Redis, then nginx.
  const event = await publishEvent(other.app.licensing, a.defaults.tenant.id, usageEvent('usage_limit_warning', 8, 10))
  for (const socket of [byQuery, byProtocol]) {
    const message = await socket.next()
    t.same({ id: message.id, type: message.type, data: message.data }, { id: event.id, type: 'usage_limit_warning', data: event.data })
  }
  byQuery.ws.close()
  byProtocol.ws.close()
  await Promise.all([byQuery.closed, byProtocol.closed])
  await assertLogsHideTokens(t, nginx, [token], 2)
})

t.test('when the sticky node shuts down, its sockets get 1001 and a reconnecting client lands on the other node through nginx and keeps receiving events', { skip }, async (t) => {
  const { nodes: [a, b], nginx, byLabel } = await deployment(t)
  const sticky = byLabel((await probe(nginx)).node)
  const other = sticky === a ? b : a
  const tenantId = a.defaults.tenant.id
  const { token } = await createTestUser(a)

  const raw = await connect(t, nginx.wsUrl, { token })
  const { client, events, received } = sdkClient(t, `${nginx.wsUrl}/ws/license`, token)
  client.connect()
  await eventually(() => sticky.app.wsHub.hub.size, (size) => size === 2)
  t.equal(sticky.app.wsHub.hub.size, 2, 'both clients are on the sticky node')
  const before = await publishEvent(other.app.licensing, tenantId, usageEvent('usage_limit_warning', 8, 10))
  await received(1)
  t.equal((await raw.next()).id, before.id)

  await sticky.app.close()
  t.equal((await raw.closed).code, 1001, 'the node going away closes its sockets with 1001, through nginx')
  const during = await publishEvent(other.app.licensing, tenantId, usageEvent('usage_limit_exceeded', 10, 10))
  await eventually(() => other.app.wsHub.hub.size, (size) => size === 1)
  t.equal(other.app.wsHub.hub.size, 1, 'the reconnecting client landed on the other node')
  const after = await publishEvent(other.app.licensing, tenantId, usageEvent('usage_limit_warning', 9, 10))
  await received(3)
  t.same(events.map((e) => e.id), [before.id, during.id, after.id], 'it resumed from its last event: nothing missed, nothing twice')

  const again = await connect(t, nginx.wsUrl, { token })
  t.equal(other.app.wsHub.hub.size, 2, 'a new ?token= socket lands there too')
  const last = await publishEvent(other.app.licensing, tenantId, usageEvent('usage_limit_warning', 8, 10))
  t.equal((await again.next()).id, last.id)
  t.equal((await probe(nginx)).node, other.label, 'and so does REST')

  client.close()
  again.ws.close()
  await again.closed
  // raw, the SDK's first socket, its reconnection, and `again` (plus any attempt the draining node refused).
  await assertLogsHideTokens(t, nginx, [token], 4)
})

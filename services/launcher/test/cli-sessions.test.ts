import t from 'tap'
import { waitFor } from '@license-hub/local-servers'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'
import { connect } from '../../../test/ws/ws-client.js'
import { cli, cliJson, CLI_FILE_TIMEOUT_MS } from './helpers/cli.js'

t.setTimeout(CLI_FILE_TIMEOUT_MS)

t.test('session list / end, stats and token against a live api node', async (t) => {
  const testApp = await buildTestApp(t, { redisPrefix: 'lh:' })
  const { app, databaseUrl: url } = testApp
  const tenantId = testApp.defaults.tenant.id
  const alice = await createTestUser(testApp)
  const socket = await connect(t, app, { token: alice.token })
  const grant = (await app.inject({ method: 'POST', url: '/api/licenses/create-session', headers: alice.headers, payload: { deviceId: 'laptop' } })).json()

  const sessions = await cliJson(url, ['session', 'list', '--tenant', tenantId])
  t.match(sessions.json, [{ sessionId: grant.sessionId, userId: alice.user.id, email: alice.user.email, deviceId: 'laptop' }])
  t.match((await cli(url, ['session', 'list', '--tenant', tenantId])).stdout, grant.sessionId)

  const stats = await cliJson(url, ['stats'])
  const row = stats.json.find((r: { tenantId: string }) => r.tenantId === tenantId)
  t.match(row, { activeSessions: 1, webrtcMaxUsers: 1, connections: 1 })
  t.match((await cli(url, ['stats'])).stdout, /1\/1/)

  const ended = await cliJson(url, ['session', 'end', grant.sessionId, '--tenant', tenantId])
  t.same(ended.json, { sessionId: grant.sessionId, ended: true })
  let told = await socket.next()
  while (told.type !== 'session_ended') told = await socket.next()
  t.match(told, { type: 'session_ended', data: { sessionId: grant.sessionId, reason: 'revoked' } }, 'the device is told')
  t.equal((await cli(url, ['session', 'end', crypto.randomUUID(), '--tenant', tenantId])).code, 1, 'an unknown session')

  const admin = await createTestUser(testApp, { role: 'admin' })
  const token = await cli(url, ['token', '--tenant', tenantId, '--email', admin.user.email, '--ttl', '5m'])
  t.equal(token.code, 0, token.stderr)
  const res = await app.inject({ method: 'GET', url: '/api/users', headers: { authorization: `Bearer ${token.stdout.trim()}` } })
  t.equal(res.statusCode, 200, 'the minted token works on an admin route')
  const minted = await cliJson(url, ['token', '--tenant', tenantId, '--email', admin.user.email, '--ttl', '5m'])
  const left = Date.parse(minted.json.expiresAt) - Date.now()
  t.ok(left > 0 && left <= 5 * 60_000, 'expires after the ttl')
  t.notMatch(token.stderr, token.stdout.trim(), 'the token is never logged')

  // A password change ends older tokens (tokenVersion); a token minted afterwards carries the new
  // version. The api node keeps a token's user for a few seconds (other processes' changes reach it then).
  t.equal((await cli(url, ['user', 'password', '--tenant', tenantId, '--email', admin.user.email, '--password', 'another-secret-1'])).code, 0)
  const fresh = await cli(url, ['token', '--tenant', tenantId, '--email', admin.user.email])
  const usersWith = async (jwt: string) => (await app.inject({ method: 'GET', url: '/api/users', headers: { authorization: `Bearer ${jwt}` } })).statusCode
  await waitFor(async () => (await usersWith(fresh.stdout.trim())) === 200, 'a token minted after the password change to work', 15_000)
  t.equal(await usersWith(token.stdout.trim()), 401, 'the token minted before the password change is refused')
  t.equal((await cli(url, ['token', '--tenant', tenantId, '--email', admin.user.email, '--ttl', '7d'])).code, 2, 'a ttl past the api\'s limit is a usage error')
})

import t from 'tap'
import { verifyPassword } from '@license-hub/core'
import { findUserByEmail } from '@license-hub/db'
import { buildTestApp } from '../../../test/helpers/app.js'
import { cli, cliJson, CLI_FILE_TIMEOUT_MS, UUID } from './helpers/cli.js'

t.setTimeout(CLI_FILE_TIMEOUT_MS)

t.test('tenants, users and licenses: tables by default, one JSON document with --json', async (t) => {
  const testApp = await buildTestApp(t, { redisPrefix: 'lh:' })
  const url = testApp.databaseUrl
  const tenant = await cliJson(url, ['tenant', 'create', '--name', 'Json Co', '--fingerprint', 'fp-json-co'])
  t.equal(tenant.code, 0, tenant.stderr)
  t.match(tenant.json, { id: UUID, name: 'Json Co', fingerprint: 'fp-json-co' })
  const tenantId = tenant.json.id

  const tenants = await cli(url, ['tenant', 'list'])
  t.equal(tenants.code, 0)
  t.match(tenants.stdout, /fingerprint/, 'a header row')
  t.match(tenants.stdout, /Json Co.*fp-json-co/, 'one row per tenant')
  t.match((await cliJson(url, ['tenant', 'list'])).json, [{ name: 'Default' }, { id: tenantId }])

  const created = await cliJson(url, ['user', 'create', '--tenant', tenantId, '--email', 'ann@json.test', '--password', 'ann-password'])
  t.match(created.json, { id: UUID, email: 'ann@json.test', role: 'user', webrtcEnabled: true })
  t.notOk('passwordHash' in created.json)
  const users = await cli(url, ['user', 'list', '--tenant', tenantId])
  t.match(users.stdout, /ann@json\.test/)
  t.same((await cliJson(url, ['user', 'list', '--tenant', tenantId])).json.map((u: { email: string }) => u.email), ['ann@json.test'])

  const off = await cliJson(url, ['user', 'webrtc', 'off', '--tenant', tenantId, '--email', 'ann@json.test'])
  t.match(off.json, { email: 'ann@json.test', webrtcEnabled: false })
  t.equal((await findUserByEmail(testApp.db, 'ann@json.test'))?.webrtcEnabled, false)
  t.equal((await cli(url, ['user', 'webrtc', 'maybe', '--tenant', tenantId, '--email', 'ann@json.test'])).code, 2)

  const password = await cli(url, ['user', 'password', '--tenant', tenantId, '--email', 'ann@json.test', '--password', 'new-password-1'])
  t.equal(password.code, 0, password.stderr)
  t.ok(await verifyPassword('new-password-1', (await findUserByEmail(testApp.db, 'ann@json.test'))!.passwordHash))
  t.notMatch(password.stdout + password.stderr, 'new-password-1')
  t.equal((await cli(url, ['user', 'password', '--tenant', tenantId, '--email', 'ann@json.test', '--password', 'short'])).code, 2, 'too short a password')

  const generated = await cliJson(url, ['license', 'generate', '--tenant', tenantId, '--type', '3', '--expires', '2099-01-31'])
  t.equal(generated.code, 0, generated.stderr)
  t.match(generated.json, { id: UUID, source: 'local', licenseTypeId: 3, maxUsers: 25, inForce: true, signatureValid: true })
  const list = await cliJson(url, ['license', 'list', '--tenant', tenantId])
  t.equal(list.json.length, 2, 'the Developer license and the new one')
  t.match((await cli(url, ['license', 'list', '--tenant', tenantId])).stdout, /in force/)

  const allocation = await cliJson(url, ['allocation', 'set', '--tenant', tenantId, '--license', generated.json.id, '--max', '4'])
  t.match(allocation.json, { licenseId: generated.json.id, webrtcAllocation: 4, webrtcMaxUsers: 4 })
  const tooMany = await cli(url, ['allocation', 'set', '--tenant', tenantId, '--license', generated.json.id, '--max', '26'])
  t.equal(tooMany.code, 1)
  t.match(tooMany.stderr, /at most/)

  const refused = await cli(url, ['license', 'generate', '--tenant', tenantId, '--type', '2'], { LICENSE_MGMT_API_URL: 'http://127.0.0.1:9' })
  t.equal(refused.code, 1, 'refused when a license server is configured, like the REST route')
  t.match(refused.stderr, /external license server/)
})

import t from 'tap'
import { verifyPassword } from '@license-hub/core'
import { findUserByEmail, listLicenses } from '@license-hub/db'
import { verifyLocalLicense } from '@license-hub/licensing'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'
import { cli, CLI_FILE_TIMEOUT_MS, UUID } from './helpers/cli.js'

t.setTimeout(CLI_FILE_TIMEOUT_MS)

t.test('fingerprint prints the installation\'s fingerprint (the one the api nodes use); SERVER_FINGERPRINT overrides it', async (t) => {
  const testApp = await buildTestApp(t)
  const first = await cli(testApp.databaseUrl, ['fingerprint'])
  t.equal(first.code, 0, first.stderr)
  t.equal(first.stdout.trim(), testApp.defaults.fingerprint)
  t.equal((await cli(testApp.databaseUrl, ['fingerprint'], { SERVER_FINGERPRINT: 'fp-override' })).stdout.trim(), 'fp-override')
  // The other tests start the bundle npm test makes of the CLI's sources; `npm run cli` starts the sources through tsx.
  const viaTsx = await cli(testApp.databaseUrl, ['fingerprint'], {}, { fromSources: true })
  t.equal(viaTsx.code, 0, viaTsx.stderr)
  t.equal(viaTsx.stdout.trim(), testApp.defaults.fingerprint, 'the same through tsx, as npm run cli runs it')
})

t.test('tenant create → user create → license generate, then the user logs in and sees the new license', async (t) => {
  // The CLI uses the default Redis prefix, so this api node does too, to see the cache invalidation.
  const testApp = await buildTestApp(t, { redisPrefix: 'lh:' })
  const { db, app } = testApp

  const tenant = await cli(testApp.databaseUrl, ['tenant', 'create', '--name', 'Acme CLI', '--fingerprint', 'fp-acme-cli'])
  t.equal(tenant.code, 0, tenant.stderr)
  t.match(tenant.last, UUID, 'the new tenant id alone on the last line')
  t.notMatch(tenant.stdout, /"level"/, 'logs go to stderr')
  const licenses = await listLicenses(db, tenant.last)
  t.equal(licenses.length, 1)
  t.match(licenses[0], { source: 'local', licenseTypeId: 4, serverFingerprint: 'fp-acme-cli', organizationName: 'Acme CLI', expiresAt: null })
  t.ok(verifyLocalLicense(licenses[0]!, testApp.secrets.licensePublicKey), 'its Developer license is signed')

  const user = await cli(testApp.databaseUrl, ['user', 'create', '--tenant', tenant.last, '--email', 'Ops@Acme.test', '--password', 'cli-secret-pw', '--role', 'admin', '--no-webrtc'])
  t.equal(user.code, 0, user.stderr)
  t.match(user.last, UUID)
  const row = await findUserByEmail(db, 'ops@acme.test')
  t.match(row, { id: user.last, tenantId: tenant.last, role: 'admin', webrtcEnabled: false })
  t.ok(await verifyPassword('cli-secret-pw', row!.passwordHash), 'the password is stored as a verifiable hash')
  t.notMatch(user.stdout + user.stderr, 'cli-secret-pw', 'the password is never printed or logged')

  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'ops@acme.test', password: 'cli-secret-pw' } })
  t.equal(login.statusCode, 200)
  const headers = { authorization: `Bearer ${login.json().token}` }
  t.equal((await app.inject({ method: 'GET', url: '/api/licenses/current', headers })).json().licenseType.name, 'Developer', 'now cached')

  const license = await cli(testApp.databaseUrl, ['license', 'generate', '--tenant', tenant.last, '--type', '2', '--expires', '2099-12-31'])
  t.equal(license.code, 0, license.stderr)
  t.match(license.last, UUID)
  const current = (await app.inject({ method: 'GET', url: '/api/licenses/current', headers })).json()
  t.equal(current.id, license.last, 'the api node sees it at once: the CLI dropped the cached license')
  t.match(current, { source: 'local', organizationName: 'Acme CLI', expiresAt: '2099-12-31T23:59:59.999Z', maxUsers: 5 })
  t.equal(current.licenseType.name, 'Professional')
  const told = await db.selectFrom('events').select(['type', 'data']).where('tenantId', '=', tenant.last).where('type', '=', 'license_updated').execute()
  t.ok(told.some((e) => (e.data as { changes: string[] }).changes.includes('licenseTypeId')), 'the tenant\'s clients are told, as by the REST route')
})

t.test('operator mistakes are clear one-line errors, never a stack trace', async (t) => {
  const testApp = await buildTestApp(t)
  const existing = await createTestUser(testApp)
  const tenantId = testApp.defaults.tenant.id
  const cases: Array<[string, string[], number, RegExp]> = [
    ['duplicate email', ['user', 'create', '--tenant', tenantId, '--email', existing.user.email.toUpperCase(), '--password', 'long-enough'], 1, /already exists/],
    ['unknown tenant', ['user', 'create', '--tenant', '00000000-0000-0000-0000-000000000000', '--email', 'a@b.test', '--password', 'long-enough'], 1, /no tenant/],
    ['missing email', ['user', 'create', '--tenant', tenantId, '--password', 'x'], 2, /--email/],
    ['expired already', ['license', 'generate', '--tenant', tenantId, '--type', '2', '--expires', '2001-01-01'], 1, /expires_at: must be in the future/],
  ]
  for (const [name, args, code, message] of cases) {
    const res = await cli(testApp.databaseUrl, args)
    t.equal(res.code, code, name)
    t.match(res.stderr, message, name)
    t.notMatch(res.stderr, /\n\s+at /, `${name}: no stack trace`)
  }
  t.equal((await listLicenses(testApp.db, tenantId)).length, 1, 'nothing was issued by the failed calls')
})

/**
 * The example extension, unpacked into headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core: no browser download), against a real api and worker: sign-in, a seat, a
 * module_deactivated toast that dismisses itself, an api restart with the missed event replayed,
 * the seat forced away by a second device, and an expired token asking to sign in again.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { freePort } from '@license-hub/local-servers'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestUser } from '../helpers/users.js'
import { startTestWorker } from '../../services/worker/test/helpers/worker.js'
import { fakeLicense, harnessEnv, professionalType, startFakeLicenseServer, waitFor } from '@license-hub/test-support'

const repo = resolve(import.meta.dirname, '..', '..')
const chromiumPath = process.env.CHROMIUM_PATH
  || spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).stdout.trim().split('\n')[0]

t.setTimeout(600_000)

if (!chromiumPath) {
  t.test('the example extension in headless Chromium', { skip: 'chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH): the extension test is skipped' }, () => {})
} else {
  t.test('the example extension in headless Chromium: sign-in, seat, toasts, api restart with replay, forced away, expired token', async (t) => {
    const { chromium } = await import('playwright-core')
    const extensionId = readFileSync(join(repo, 'examples', 'chrome-extension', 'extension-id.txt'), 'utf8').trim()
    const dir = mkdtempSync(join(harnessEnv().tmp, 'chromium-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))

    // The extension, built as `npm run build:extension` builds it.
    const extension = join(dir, 'extension')
    const built = spawnSync(process.execPath, [join(repo, 'examples', 'chrome-extension', 'build.mjs'), extension], { encoding: 'utf8' })
    t.equal(built.status, 0, `build:extension\n${built.stdout}${built.stderr}`)

    // A license server whose Professional license the worker syncs; two api nodes (the extension's,
    // which is restarted, and the admin's) and a worker, all on one database and Redis prefix.
    const fake = await startFakeLicenseServer(t)
    const env = { LICENSE_MGMT_API_URL: fake.url, LICENSE_MGMT_API_KEY: 'key', ALLOWED_ORIGINS: `chrome-extension://${extensionId}` }
    const apiNode = await buildTestApp(t, { env })
    const license = fakeLicense(apiNode.defaults.fingerprint, {
      organization_name: 'Acme Softphones', webrtc_max_users: 5,
      license_type: professionalType({ features: { calls: true, recording: true, webrtc_extension: true, sms: true, video: true } }),
    })
    fake.licenses = [license]
    const shared = { env, databaseUrl: apiNode.databaseUrl, redisPrefix: apiNode.redisPrefix }
    const adminNode = await buildTestApp(t, shared)
    const worker = await startTestWorker(t, { databaseUrl: apiNode.databaseUrl, redisPrefix: apiNode.redisPrefix, env })
    await waitFor(() => worker.log.lines.some((l) => l.queue === 'sync' && l.msg === 'job completed'), 30_000, 'the first sync')
    const admin = await createTestUser(adminNode, { role: 'admin' })
    const agent = await createTestUser(adminNode, { email: 'agent@example.test', name: 'Ada Agent' })
    const sync = async () => {
      const res = await adminNode.app.inject({ method: 'POST', url: '/api/licenses/sync', headers: admin.headers })
      t.equal(res.statusCode, 200, `admin sync: ${res.body}`)
    }
    const port = await freePort()
    const apiUrl = `http://127.0.0.1:${port}`
    let api: TestApp = apiNode
    await api.app.listen({ port, host: '127.0.0.1' })

    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: chromiumPath,
      headless: false, // --headless=new below: the headless mode that runs extensions
      args: [
        '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--disable-extensions-except=${extension}`, `--load-extension=${extension}`,
      ],
      ignoreDefaultArgs: ['--disable-extensions', '--disable-component-extensions-with-background-pages'],
    })
    t.teardown(() => context.close())
    const serviceWorker = context.serviceWorkers()[0] ?? await context.waitForEvent('serviceworker', { timeout: 60_000 })
    t.equal(new URL(serviceWorker.url()).host, extensionId, 'the extension loaded with its fixed id (the manifest key)')
    const popup = await context.newPage()
    await popup.goto(`chrome-extension://${extensionId}/popup.html`)
    const text = (selector: string) => popup.locator(selector).innerText()
    const attr = (selector: string, name: string) => popup.locator(selector).getAttribute(name)
    const LONG = { timeout: 60_000 }
    // Chrome may stop the idle service worker while the api is down; its alarm starts it again
    // within 30 s, and it reconnects from the stored cursor.
    const RESTART = { timeout: 150_000 }

    // Sign-in.
    await popup.locator('#signin').waitFor({ state: 'visible', ...LONG })
    await popup.fill('#api-url', apiUrl)
    await popup.fill('#email', 'agent@example.test')
    await popup.fill('#password', agent.password)
    await popup.click('#signin-button')
    await popup.locator('#main').waitFor({ state: 'visible', ...LONG })
    t.match(await text('#user'), 'Ada Agent')

    // A seat taken, the license and plan shown, the socket live.
    await popup.locator('#seat[data-state="active"]').waitFor(LONG)
    await popup.locator('#connection[data-state="open"]').waitFor(LONG)
    await popup.locator('#seats:text-is("1 of 5")').waitFor(LONG)
    t.equal(await text('#org'), 'Acme Softphones')
    t.match(await text('#plan'), /^Professional \(active\)/)
    t.equal(await text('#seats'), '1 of 5', 'seats used of allowed')
    const seats = await adminNode.app.inject({ method: 'GET', url: '/api/licenses/active-sessions', headers: admin.headers })
    t.equal(seats.json().length, 1, 'the server holds the seat')

    // An admin change at the license server, synced by the worker: a toast that goes away by itself.
    license.license_type = professionalType({ features: { calls: true, recording: true, webrtc_extension: true, sms: false, video: true } })
    await sync()
    await popup.locator('#toast[data-type="module_deactivated"]').waitFor({ state: 'visible', ...LONG })
    t.match(await text('#toast-message'), /sms/i, 'the toast says which module')
    await popup.locator('#toast').waitFor({ state: 'hidden', ...LONG })
    t.pass('the toast dismissed itself (nothing clicked it; its timing is tested in packages/client)')
    const before = await attr('#connection', 'data-last-event-id')
    t.ok(before, 'the cursor is known')

    // The api restarted: while it is down another change happens; the socket comes back and replays it.
    await api.app.close()
    await popup.locator('#connection[data-state="reconnecting"]').waitFor(LONG)
    license.license_type = professionalType({ features: { calls: true, recording: true, webrtc_extension: true, sms: true, video: true } })
    await sync()
    const missed = await adminNode.app.inject({ method: 'GET', url: `/api/events?after=${before}`, headers: admin.headers })
    const missedIds = (missed.json().events as Array<{ id: string; type: string }>).map((e) => e.id)
    t.ok(missedIds.length >= 1, 'an event was published while the api was down')
    api = await buildTestApp(t, shared)
    await api.app.listen({ port, host: '127.0.0.1' })
    await popup.locator('#connection[data-state="open"]').waitFor(RESTART)
    await popup.locator(`#connection[data-last-event-id="${missedIds.at(-1)}"]`).waitFor(RESTART)
    t.pass('the socket came back and the missed events were replayed')
    await popup.locator('#toast[data-type="module_activated"]').waitFor({ state: 'visible', ...RESTART })
    t.match(await text('#toast-message'), /sms/i, 'the replayed event is shown')
    t.equal(await popup.locator('#seat[data-state="active"]').count(), 1, 'the seat survived the restart')

    // A second device of the same user takes the seat over.
    const desk = await api.app.inject({ method: 'POST', url: '/api/licenses/create-session', headers: agent.headers, payload: { deviceId: 'desk', force: true } })
    t.equal(desk.statusCode, 201)
    await popup.locator('#seat[data-state="ended"][data-reason="forced"]').waitFor(LONG)
    t.match(await text('#seat'), /another device/)
    t.equal(await popup.locator('#force').isVisible(), false)

    // A token that expires: the extension asks to sign in again.
    const shortLived = api.app.jwt.sign({ id: agent.user.id, userId: agent.user.id, tenantId: agent.user.tenantId, role: 'user' }, { expiresIn: 5 })
    // Written from the popup (an extension page): the service worker may have been restarted meanwhile.
    type ChromeStorage = { chrome: { storage: { local: { set(items: object): Promise<void> } } } }
    await popup.evaluate((token) => (globalThis as unknown as ChromeStorage).chrome.storage.local.set({ token }), shortLived)
    await popup.locator('#auth-required').waitFor({ state: 'visible', ...LONG })
    t.equal(await popup.locator('#signin').isVisible(), true, 'the sign-in form is back')
    t.equal(await attr('#connection', 'data-state'), 'auth_required')
  })
}

import t from 'tap'
import { WebSocket } from 'ws'
import { publishEvent } from '@license-hub/licensing'
import { licenseEvents } from '@license-hub/client'
import { buildTestApp } from '../helpers/app.js'
import { createTestUser } from '../helpers/users.js'
import { licenseExpired, licenseUpdated, sdkClient, wsUrl } from './ws-client.js'

t.test('the client SDK receives events, resumes after a drop without gap or duplicate, and reports resync and bad tokens', async (t) => {
  const testApp = await buildTestApp(t)
  const { app } = testApp
  const tenantId = testApp.defaults.tenant.id
  const { token } = await createTestUser(testApp)
  let resyncs = 0
  const { client, events, received: until } = sdkClient(t, `${await wsUrl(app)}/ws/license`, token, { onResync: () => { resyncs++ } })
  client.connect()
  while (app.wsHub.hub.size === 0) await new Promise((resolve) => setTimeout(resolve, 10))

  const first = await publishEvent(app.licensing, tenantId, licenseExpired())
  await until(1)
  t.equal(client.lastEventId, first.id)

  // The node drops the socket (as a shutdown would); events keep coming meanwhile.
  for (const clients of app.wsHub.hub.tenants.values()) for (const c of clients) c.socket.close(1001)
  const missed = [await publishEvent(app.licensing, tenantId, licenseUpdated(['a'])), await publishEvent(app.licensing, tenantId, licenseUpdated(['b']))]
  await until(3)
  t.same(events.map((e) => e.id), [first.id, ...missed.map((e) => e.id)], 'resumed from lastEventId')

  app.wsHub.hub.resyncAll()
  const after = await publishEvent(app.licensing, tenantId, licenseExpired())
  await until(4)
  t.equal(resyncs, 1)
  t.equal(events[3]!.id, after.id)
  t.equal(events.length, 4, 'no duplicate')

  let authErrors = 0
  const refused = licenseEvents({
    url: `${await wsUrl(app)}/ws/license`, token: () => 'bad', WebSocket: WebSocket as never, onEvent: () => {},
    onAuthError: () => { authErrors++ },
  })
  await new Promise<void>((resolve) => {
    const check = setInterval(() => { if (authErrors > 0) { clearInterval(check); resolve() } }, 10)
    refused.connect()
  })
  t.equal(authErrors, 1, '1008 stops the client and reports it')
})

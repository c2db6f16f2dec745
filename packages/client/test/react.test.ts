import t from 'tap'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { LicenseHub } from '../src/hub.js'
import { LicenseProvider, useLicense, useLicenseNotifications } from '../src/react.js'
import { FakeClock } from './fakes.js'

t.test('the React binding reads the hub\'s state and notifications through the provider', async (t) => {
  const clock = new FakeClock()
  const hub = new LicenseHub({ baseUrl: 'http://127.0.0.1:9', token: () => 'jwt', scheduler: clock, WebSocket: class {} as never })
  hub.notifications.push({ severity: 'warning', message: 'SMS was turned off' })
  hub.notifications.push({ severity: 'info', message: 'queued' })
  function Status() {
    const { connection, seat, authRequired } = useLicense()
    const { current, queue } = useLicenseNotifications()
    return createElement('p', null, `${connection.state}|${seat.state}|${authRequired}|${current?.message}|${queue.length}`)
  }
  const html = renderToString(createElement(LicenseProvider, { hub, autoStart: false }, createElement(Status)))
  t.match(html, 'idle|idle|false|SMS was turned off|1')
  t.throws(() => renderToString(createElement(Status)), /inside <LicenseProvider>/, 'a hook outside the provider says so')
  hub.notifications.clear()
})

import { spawn } from 'node:child_process'
import t from 'tap'
import { usageEvent } from '@license-hub/core'
import { publishEvent } from '@license-hub/licensing'
import { buildTestApp } from '../../../test/helpers/app.js'
import { startTestWorker } from '../../worker/test/helpers/worker.js'
import { cli, CLI_ARGS, cliEnv, cliJson, CLI_FILE_TIMEOUT_MS, ROOT } from './helpers/cli.js'

t.setTimeout(CLI_FILE_TIMEOUT_MS)

t.test('events: the history page, --follow prints live events, sync goes through the worker', async (t) => {
  const testApp = await buildTestApp(t, { redisPrefix: 'lh:' })
  const { app, databaseUrl: url } = testApp
  const tenantId = testApp.defaults.tenant.id
  const first = await publishEvent(app.licensing, tenantId, usageEvent('usage_limit_warning', 8, 10))
  const second = await publishEvent(app.licensing, tenantId, usageEvent('usage_limit_exceeded', 11, 10))

  const page = await cliJson(url, ['events', '--tenant', tenantId, '--limit', '1'])
  t.same(page.json.events.map((e: { id: string }) => e.id), [first.id])
  t.equal(page.json.next, first.id)
  const rest = await cliJson(url, ['events', '--tenant', tenantId, '--after', first.id])
  const expected = { id: second.id, type: second.type, tenantId, timestamp: second.timestamp, data: second.data }
  t.same(rest.json, { events: [expected], next: null })
  t.match((await cli(url, ['events', '--tenant', tenantId])).stdout, /usage_limit_exceeded/)

  const follower = spawn(process.execPath, [...CLI_ARGS, 'events', '--tenant', tenantId, '--after', first.id, '--follow', '--json'], {
    cwd: ROOT, env: cliEnv(url),
  })
  t.teardown(() => follower.kill('SIGKILL'))
  let stdout = ''
  let stderr = ''
  follower.stdout.on('data', (chunk) => { stdout += chunk })
  const following = new Promise<void>((resolve) => follower.stderr.on('data', (chunk) => {
    stderr += chunk
    if (stderr.includes('following live events')) resolve()
  }))
  await following
  const live = await publishEvent(app.licensing, tenantId, usageEvent('usage_limit_warning', 9, 10))
  const lines = await new Promise<string[]>((resolve) => {
    const check = () => {
      const parsed = stdout.trim().split('\n').filter(Boolean)
      if (parsed.length >= 2) resolve(parsed)
    }
    follower.stdout.on('data', check)
    check()
  })
  t.same(lines.map((line) => JSON.parse(line).id), [second.id, live.id], 'the history after --after, then the live event, one JSON document per line')
  const exit = new Promise<number | null>((resolve) => follower.on('exit', (code) => resolve(code)))
  follower.kill('SIGTERM')
  t.equal(await exit, 0, 'Ctrl-C / SIGTERM ends it cleanly')

  const local = await cliJson(url, ['sync'])
  t.equal(local.code, 0)
  t.match(local.json, { status: 'local-mode', licensesSynced: 0 })

  const unreachable = { LICENSE_MGMT_API_URL: 'http://127.0.0.1:9', LICENSE_MGMT_API_KEY: 'k' }
  await startTestWorker(t, { databaseUrl: url, redisPrefix: 'lh:', env: unreachable })
  const failed = await cliJson(url, ['sync', '--timeout', '30'], unreachable)
  t.equal(failed.code, 1, 'exit 1 when the sync failed')
  t.match(failed.json, { status: 'failed', error: { kind: String } }, 'its outcome is still printed')
  t.match(failed.stderr, /sync failed/)
})

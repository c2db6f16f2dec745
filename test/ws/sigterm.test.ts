import t from 'tap'
import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import pg from 'pg'
import { WebSocket } from 'ws'
import { freePort } from '@license-hub/local-servers'
import { createTestDatabase, harnessEnv, testSecrets } from '@license-hub/test-support'

const server = new URL('../../services/api/src/server.ts', import.meta.url).pathname

function hs256(claims: Record<string, unknown>, secret: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}

t.test('SIGTERM to an api process closes its WebSocket clients with 1001 and the process exits cleanly', { timeout: 90_000 }, async (t) => {
  const { url: databaseUrl } = await createTestDatabase(t)
  const secrets = testSecrets()
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=license-hub-src', server], {
    env: {
      ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(port), DATABASE_URL: databaseUrl, REDIS_URL: harnessEnv().redisUrl,
      JWT_SECRET: secrets.jwtSecret, LICENSE_PRIVATE_KEY: secrets.licensePrivateKey, LICENSE_PUBLIC_KEY: secrets.licensePublicKey,
      ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { output += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { child.kill('SIGKILL') })

  const deadline = Date.now() + 60_000
  while (!(await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok, () => false))) { // not listening yet: asked again
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`api did not become ready:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }

  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  const { rows: [admin] } = await db.query('select id, tenant_id from users where email = \'admin@example.test\'')
  await db.end()
  const token = hs256({ id: admin.id, tenantId: admin.tenant_id, role: 'admin', exp: Math.floor(Date.now() / 1000) + 600 }, secrets.jwtSecret)

  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/license?token=${token}`)
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  ws.send(JSON.stringify({ type: 'ping' }))
  const pong = await new Promise<{ type: string }>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))))
  t.equal(pong.type, 'pong', 'the socket is live before the signal')

  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
  child.kill('SIGTERM')
  t.equal(await closed, 1001, 'the client is told the node is going away, and reconnects elsewhere')
  t.equal(await exited, 0, 'the process exits cleanly')
  t.notMatch(output, token, 'the token never reaches the log')
})

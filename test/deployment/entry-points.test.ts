/**
 * The image's entry points, without Docker: `npm run build`, then the migration, the api (bundled
 * into dist/bundle/server.mjs) and the worker started from dist/ with plain `node` (no tsx, no
 * source condition), with the commands docker-compose.yml and infra/Dockerfile give them, against
 * a real Postgres and redis-server; and the operator CLI, bundled into
 * services/launcher/dist/bundle/cli.mjs.
 */
import t from 'tap'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, startRedis } from '@license-hub/local-servers'
import { redisKeys } from '@license-hub/redis'
import { createQueue, queueConnection } from '@license-hub/redis/queues'
import { composeFile, dockerfileCmd, repoRoot } from '../helpers/compose.js'
import { createTestDatabase, harnessEnv, startFakeLicenseServer, testSecrets } from '@license-hub/test-support'

type Teardown = { teardown: (fn: () => unknown) => void }

interface Started { child: ChildProcess; output: () => string; exited: Promise<number | null> }

function start(t: Teardown, command: string[], env: NodeJS.ProcessEnv): Started {
  const [bin, ...args] = command
  // The image runs `node …` from /app, the repository root; no tsx loader, no license-hub-src condition.
  const child = spawn(bin === 'node' ? process.execPath : bin!, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { output += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return { child, output: () => output, exited }
}

async function until(what: string, check: () => Promise<boolean>, started: Started[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) { // not answering yet is what we wait through
    const dead = started.find((s) => s.child.exitCode !== null)
    if (dead || Date.now() > deadline) {
      throw new Error(`${what} did not happen:\n${started.map((s) => s.output()).join('\n---\n')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

t.test('the api, the worker and the migration run from dist/ with the image\'s commands', { timeout: 300_000 }, async (t) => {
  const build = spawn('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  let buildOutput = ''
  build.stdout.on('data', (d: Buffer) => { buildOutput += d.toString() })
  build.stderr.on('data', (d: Buffer) => { buildOutput += d.toString() })
  const built = await new Promise<number | null>((resolve) => build.once('exit', resolve))
  t.equal(built, 0, `npm run build succeeds${built === 0 ? '' : `:\n${buildOutput}`}`)
  if (built !== 0) return
  // One character past ASCII (in a comment esbuild keeps) would make Node decode a whole file as UTF-8.
  for (const dir of ['services/api/dist/bundle', 'services/launcher/dist/bundle']) {
    const files = (await readdir(join(repoRoot, dir))).filter((name) => name.endsWith('.mjs'))
    const wide = []
    for (const file of files) if (/[\u0080-\u00ff]/.test(await readFile(join(repoRoot, dir, file), 'latin1'))) wide.push(file)
    t.same(wide, [], `${dir}'s ${files.length} files are ASCII`)
  }

  const services = composeFile().services
  const command = (name: string) => services[name]!.command as string[]
  t.same(command('api1'), dockerfileCmd(), 'the api service runs the image\'s default command')

  // A redis-server of this test's own: the processes use the default key prefix, as in production.
  const redis = await startRedis({ dataDir: await mkdtemp(join(harnessEnv().tmp, 'entry-points-')) })
  t.teardown(() => redis.stop())
  const { url: databaseUrl } = await createTestDatabase(t, { empty: true })
  const secrets = testSecrets()
  const licenseServer = await startFakeLicenseServer(t)
  const port = await freePort()
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME,
    NODE_ENV: 'production', LOG_LEVEL: 'info', DATABASE_URL: databaseUrl, REDIS_URL: redis.url,
    JWT_SECRET: secrets.jwtSecret, LICENSE_PRIVATE_KEY: secrets.licensePrivateKey, LICENSE_PUBLIC_KEY: secrets.licensePublicKey,
    ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password',
    // It lists no licenses: the syncs run and find none, and the local license stays in force.
    LICENSE_MGMT_API_URL: licenseServer.url, LICENSE_MGMT_API_KEY: 'entry-points-key',
  }

  const migrate = start(t, command('migrate'), env)
  const migrated = await migrate.exited
  t.equal(migrated, 0, `the migration exits 0 on an empty database${migrated === 0 ? '' : `:\n${migrate.output()}`}`)
  t.match(migrate.output(), /migrations applied/, 'it applied the migrations')

  const api = start(t, command('api1'), { ...env, PORT: String(port) })
  const worker = start(t, command('worker'), env)
  await until('/ready', async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok, [api, worker])
  t.same(await (await fetch(`http://127.0.0.1:${port}/ready`)).json(), { status: 'ok', postgres: 'up', redis: 'up' })
  await until('worker start', async () => /worker started/.test(worker.output()), [api, worker])

  const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.test', password: 'admin-password' }),
  })
  t.equal(login.status, 200, 'the seeded admin logs in')
  const { token } = await login.json() as { token: string }
  t.type(token, 'string')

  // The seat scripts are .lua files read from dist/ at run time: taking a seat proves they were copied.
  const seat = await fetch(`http://127.0.0.1:${port}/api/licenses/create-session`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ deviceId: 'entry-point-test' }),
  })
  t.equal(seat.status, 201, `a seat is taken${seat.status === 201 ? '' : `: ${await seat.text()}`}`)
  const { sessionId } = await seat.json() as { sessionId: string }
  const heartbeat = await fetch(`http://127.0.0.1:${port}/api/licenses/validate-session`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ sessionId }),
  })
  t.match(await heartbeat.json(), { valid: true, license: { webrtcEnabled: true } }, 'its heartbeat is answered with the license')
  // Operators run the CLI in the image from its bundle; counting the seats runs a seat script read from beside it.
  const stats = await promisify(execFile)(process.execPath, ['services/launcher/dist/bundle/cli.mjs', 'stats', '--json'], { cwd: repoRoot, env })
  const rows = JSON.parse(stats.stdout) as Array<{ activeSessions: number }>
  t.equal(rows.reduce((sum, row) => sum + row.activeSessions, 0), 1, 'the bundled CLI counts that one seat')
  // The api runs bundled: what is loaded from outside the bundle, or by name, still works.
  const docs = await fetch(`http://127.0.0.1:${port}/docs/`)
  t.equal(docs.status, 200, 'the API docs page is served (swagger-ui\'s files, from its package)')
  t.match(await docs.text(), /swagger-ui/, 'it is the Swagger UI page')
  t.match(await (await fetch(`http://127.0.0.1:${port}/docs/json`)).json(), { openapi: /^3\./ }, 'the OpenAPI document')
  t.match(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), /http_request_duration_seconds/, 'the metrics')
  // BullMQ is a chunk of its own beside the bundle, loaded for the api's first manual sync.
  const sync = await fetch(`http://127.0.0.1:${port}/api/licenses/sync`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  t.equal(sync.status, 200, `an admin's sync is queued and answered${sync.status === 200 ? '' : `: ${await sync.text()}`}`)
  t.match(await sync.json(), { status: 'synced', licensesSynced: 0, source: 'local' }, 'the worker ran it against the license server, which lists none')

  // The worker from dist/ consumes the queues the api produces. The test polls the job's state
  // rather than waiting for its completion event, which a QueueEvents reader only just started
  // can miss on a loaded machine; a job not done in time fails with both processes' output.
  const producer = queueConnection(redis.url, 'queue-producer')
  const queue = createQueue('session-cleanup', producer, redisKeys())
  t.teardown(async () => {
    await queue.close()
    producer.disconnect()
  })
  const added = await queue.add('session-cleanup', { reason: 'manual' })
  await until('the cleanup job', async () => (await added.getState()) === 'completed', [api, worker], 60_000)
  const done = await queue.getJob(added.id!)
  t.same(done?.returnvalue, { ended: 0 }, 'a cleanup job runs on the worker and finds the live seat still held')

  for (const [name, proc] of [['api', api], ['worker', worker]] as const) {
    proc.child.kill('SIGTERM')
    t.equal(await proc.exited, 0, `the ${name} stops cleanly on SIGTERM`)
    t.notMatch(proc.output(), secrets.jwtSecret, `the ${name}'s log holds no secret`)
  }
})

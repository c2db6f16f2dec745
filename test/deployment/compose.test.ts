/**
 * docker-compose.yml checked against the code (no Docker engine here, so the file is never run):
 * the variables it sets are ones the config reads, what the api needs is health-checked and waited
 * for, and the commands are the package scripts' entry points, built.
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EnvSchema } from '@license-hub/config'
import { composeFile, dockerfileCmd, repoRoot, type ComposeService } from '../helpers/compose.js'

const { services } = composeFile()
const appServices = Object.entries(services).filter(([, s]) => s.build?.dockerfile === 'infra/Dockerfile')
function byName(name: string): ComposeService {
  const service = services[name]
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`)
  return service
}

t.test('the app services are the image\'s api, worker and migration', async (t) => {
  t.same(appServices.map(([name]) => name).sort(), ['api1', 'api2', 'migrate', 'worker'])
  t.same(new Set(appServices.map(([, s]) => s.image)).size, 1, 'one image tag for every app service, so it is built once')
})

t.test('every environment variable an app service sets is one the config schema knows', async (t) => {
  const known = new Set(Object.keys(EnvSchema.properties))
  for (const [name, service] of appServices) {
    const unknown = Object.keys(service.environment ?? {}).filter((key) => !known.has(key))
    t.same(unknown, [], `${name} sets only known variables`)
  }
  // The production requirements of the config are all set, the secrets from the host (never a default).
  const env = byName('api1').environment!
  for (const required of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'LICENSE_PRIVATE_KEY', 'LICENSE_PUBLIC_KEY']) {
    t.ok(env[required], `${required} is set`)
  }
  t.equal(env.NODE_ENV, 'production')
  for (const secret of ['JWT_SECRET', 'LICENSE_PRIVATE_KEY', 'LICENSE_PUBLIC_KEY']) {
    t.match(String(env[secret]), new RegExp(`^\\$\\{${secret}:\\?`), `${secret} comes from .env and is required`)
  }
})

t.test('what the api needs is health-checked and waited for', async (t) => {
  const env = byName('api1').environment!
  const postgresHost = new URL(String(env.DATABASE_URL)).hostname
  const redisHost = new URL(String(env.REDIS_URL)).hostname
  t.ok(services[postgresHost], `DATABASE_URL names the ${postgresHost} service`)
  t.ok(services[redisHost], `REDIS_URL names the ${redisHost} service`)

  // Postgres and Redis are healthy before the migration runs, and every app process waits for it.
  for (const dependency of [postgresHost, redisHost]) {
    t.ok(byName(dependency).healthcheck?.test.length, `${dependency} has a health check`)
    t.equal(byName('migrate').depends_on?.[dependency]?.condition, 'service_healthy', `migrate waits for ${dependency} to be healthy`)
  }
  for (const name of ['api1', 'api2', 'worker']) {
    t.equal(byName(name).depends_on?.migrate?.condition, 'service_completed_successfully', `${name} waits for the migration to succeed`)
  }
  // The api nodes have a readiness check, and Nginx waits for it.
  for (const name of ['api1', 'api2']) {
    const check = byName(name).healthcheck?.test.join(' ') ?? ''
    t.match(check, `http://127.0.0.1:${String(byName(name).environment!.PORT)}/ready`, `${name} is checked on /ready at its PORT`)
    t.equal(byName('nginx').depends_on?.[name]?.condition, 'service_healthy', `nginx waits for ${name}`)
  }
  const nginxConf = readFileSync(join(repoRoot, 'infra/nginx/nginx.conf'), 'utf8')
  for (const name of ['api1', 'api2']) t.match(nginxConf, `server ${name}:3000 `, `nginx's upstream names ${name}`)
  t.match(byName(redisHost).command?.join(' ') ?? '', /--maxmemory-policy noeviction/, 'Redis never evicts seats or queue keys')
})

t.test('the commands are the package scripts\' entry points, built', async (t) => {
  const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  const expected: Record<string, string> = { api1: 'api', api2: 'api', worker: 'worker', migrate: 'migrate' }
  for (const [name, script] of Object.entries(expected)) {
    const command = byName(name).command ?? []
    t.equal(command[0], 'node', `${name} runs plain node (no tsx in the image)`)
    const dist = command[1] ?? ''
    // tsc's dist/<entry>.js, or the api's bundle of it, dist/bundle/<entry>.mjs (services/api/scripts/bundle.mjs)
    const source = dist.replace(/\/dist\/(bundle\/)?/, '/src/').replace(/\.m?js$/, '.ts')
    t.match(dist, /^services\/[a-z-]+\/dist\/([a-z-]+\.js|bundle\/[a-z-]+\.mjs)$/, `${name} runs a built file`)
    t.ok(existsSync(join(repoRoot, source)), `${source} exists`)
    t.match(scripts[script], new RegExp(` ${source.replace(/[.]/g, '\\.')}$`), `npm run ${script} starts the same entry point from source`)
  }
  t.same(byName('api1').command, dockerfileCmd(), 'the api runs the Dockerfile\'s CMD')
  // Each workspace's `default` export points into dist/, which `npm run build` fills (entry-points.test.ts runs it).
  for (const name of ['api', 'worker', 'launcher']) {
    const tsconfig = readFileSync(join(repoRoot, 'services', name, 'tsconfig.json'), 'utf8')
    t.match(tsconfig, /"outDir":\s*"dist"/, `services/${name} builds into dist/`)
  }
})

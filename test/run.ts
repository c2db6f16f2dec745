/**
 * `npm test`: lints first (ESLint, then knip: `npm run lint`), then starts one real Postgres and
 * one real redis-server on free ports in a temporary folder, migrates a template database that
 * each test file clones, type-checks sources, tests and benchmarks meanwhile, runs tap, stops the
 * servers (also when tests fail or the run is interrupted) and ends with one line
 * `N passed, N failed` (a failed lint counts as one failure, and so does a failed type check).
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startPostgres, startRedis, type RunningPostgres, type RunningRedis } from '@license-hub/local-servers'
import { createDb, migrateToLatest } from '@license-hub/db'
import { TEMPLATE_DATABASE } from '@license-hub/test-support'

const tap = join(process.cwd(), 'node_modules', '.bin', 'tap')

// tap compiles its plugin set into node_modules; ours drops its ts-node plugin in favour of tsx.
// A fresh `npm ci` brings the default set back, so rebuild when it is there; a lock keeps two
// concurrent runs from rebuilding under each other's feet.
function ensureTapBuilt(): void {
  const built = join(process.cwd(), 'node_modules', '@tapjs', 'test', 'test-built', 'dist', 'esm', 'index.js')
  const needsBuild = () => !existsSync(built) || readFileSync(built, 'utf8').includes('@tapjs/typescript')
  if (!needsBuild()) return
  const lock = join(process.cwd(), 'node_modules', '.tap-build-lock')
  const deadline = Date.now() + 180_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > 120_000) rmSync(lock, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error(`could not take ${lock}`)
      spawnSync('sleep', ['0.5'])
    }
  }
  try {
    if (!needsBuild()) return
    const result = spawnSync(tap, ['build'], { encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`tap build failed:\n${result.stdout}${result.stderr}`)
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

async function createTemplate(postgres: RunningPostgres): Promise<void> {
  const admin = new pg.Client({ connectionString: postgres.url() })
  await admin.connect()
  await admin.query(`create database "${TEMPLATE_DATABASE}"`)
  await admin.end()
  const db = createDb(postgres.url(TEMPLATE_DATABASE))
  await migrateToLatest(db)
  await db.destroy()
}

/** Runs one check beside the tests; its output is shown only when it fails. */
function check(name: string, bin: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(join(process.cwd(), 'node_modules', '.bin', bin), args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr.on('data', (d: Buffer) => { output += d.toString() })
    child.on('error', (err) => { output += String(err) })
    child.on('close', (code) => {
      if (code !== 0) console.log(`\n${name} failed (${bin} ${args.join(' ')}):\n${output}`)
      resolve(code === 0)
    })
  })
}

/**
 * The CLI from its sources as one file, for the CLI tests (LH_TEST_CLI): a command then starts in
 * about half a second, where tsx's loader took two, and those files start it dozens of times.
 * Bundled as the api is for its image (services/api/scripts/bundle.mjs); undefined when that fails,
 * and the tests then start the CLI through tsx.
 */
function bundleCli(dir: string): Promise<string | undefined> {
  const outFile = join(dir, 'cli', 'cli.mjs')
  return new Promise((resolve) => {
    execFile(process.execPath, [
      join(process.cwd(), 'services', 'api', 'scripts', 'bundle.mjs'),
      '--entry', join(process.cwd(), 'services', 'launcher', 'src', 'cli.ts'), '--out', outFile, '--conditions', 'license-hub-src',
    ], (err, stdout, stderr) => {
      if (!err) return resolve(outFile)
      console.log(`The CLI bundle failed; the CLI tests start the CLI through tsx:\n${stdout}${stderr}`)
      resolve(undefined)
    })
  })
}

/** Type errors in tests and benchmarks are caught here, since tsx only strips types. */
const typecheck = () => check('Type check', 'tsc', ['-p', 'tsconfig.test.json'])

/** What `npm run lint` runs: ESLint (style and promise rules), then knip (unused files, exports, dependencies). */
async function lint(): Promise<boolean> {
  const eslint = await check('Lint', 'eslint', ['.'])
  const knip = await check('Lint', 'knip', [])
  console.log(eslint && knip ? 'Lint: ESLint and knip clean' : 'Lint failed: it counts as one failure')
  return eslint && knip
}

function runTap(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; summary?: Record<string, number> }> {
  return new Promise((resolve) => {
    const child = spawn(tap, ['--reporter=terse', ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let tail = ''
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk)
      tail = (tail + chunk.toString()).slice(-4000)
    })
    child.on('close', (code) => {
      const match = /# \{ ([^}]*) \}/.exec(tail)
      const summary = match
        ? Object.fromEntries(match[1]!.split(',').map((kv) => kv.split(':').map((s) => s.trim())).map(([k, v]) => [k, Number(v)]))
        : undefined
      resolve({ code: code ?? 1, summary })
    })
  })
}

/**
 * `--chaos` runs the fault suite (test/chaos, excluded from the default run): its files one at a
 * time, since they restart servers and kill processes, with a longer per-file timeout.
 */
function tapArguments(args: string[]): string[] {
  if (!args.includes('--chaos')) return args
  const rest = args.filter((a) => a !== '--chaos')
  const files = rest.some((a) => a.endsWith('.ts')) ? [] : readdirSync(join(process.cwd(), 'test', 'chaos')).filter((f) => f.endsWith('.test.ts')).map((f) => join('test', 'chaos', f))
  return ['--jobs=1', '--timeout=300', ...rest, ...files]
}

/** The fault suite's figures, one line per fault it survived. */
function printChaosReport(dir: string): void {
  const file = join(dir, 'chaos-report.jsonl')
  if (!existsSync(file)) return
  console.log('\nFaults survived (requests, 503 with Retry-After, other 5xx, answers over 5 s, lost sessions, over-admissions):')
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) console.log(`  ${line}`)
}

async function main(): Promise<number> {
  ensureTapBuilt()
  // The whole run lints, before the servers and tap start (on two cores, type-aware linting beside
  // the tests would slow both); a run of named files or of the fault suite leaves it to `npm run lint`.
  const args = process.argv.slice(2)
  const partial = args.includes('--chaos') || args.some((a) => a.endsWith('.ts'))
  if (partial) console.log('Lint skipped for a partial run (npm run lint runs it)')
  const lintErrors = (partial || (await lint())) ? 0 : 1
  const typed = typecheck()
  const dir = mkdtempSync(join(tmpdir(), 'license-hub-test-'))
  chmodSync(dir, 0o755) // Postgres runs as the postgres user when we are root
  let postgres: RunningPostgres | undefined
  let redis: RunningRedis | undefined
  const cleanup = async () => {
    await Promise.allSettled([postgres?.stop(), redis?.stop()])
    rmSync(dir, { recursive: true, force: true })
  }
  const interrupted = (signal: NodeJS.Signals) => { void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143)) }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    // Made while the servers start.
    const cliBundle = bundleCli(dir)
    await Promise.all([
      startPostgres({ dataDir: join(dir, 'postgres'), ephemeral: true }).then((server) => { postgres = server }),
      startRedis({ dataDir: join(dir, 'redis') }).then((server) => { redis = server }),
    ])
    if (!postgres || !redis) throw new Error('test servers did not start')
    await createTemplate(postgres)
    const urls = { postgres: postgres.url(), redis: redis.url }
    const cli = await cliBundle
    const env = {
      ...process.env, LH_TEST_POSTGRES_URL: urls.postgres, LH_TEST_REDIS_URL: urls.redis, LH_TEST_TMP: dir,
      ...(cli ? { LH_TEST_CLI: cli } : {}),
    }
    const { code, summary } = await runTap(tapArguments(args), env)
    printChaosReport(dir)
    const checkErrors = lintErrors + ((await typed) ? 0 : 1)
    if (!summary) {
      console.log(`0 passed, ${1 + checkErrors} failed`)
      return code || 1
    }
    const failed = (summary.fail ?? 0) + checkErrors
    const skipped = (summary.skip ?? 0) + (summary.todo ?? 0)
    console.log(`${summary.pass ?? 0} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
    return failed ? 1 : code
  } finally {
    await cleanup()
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err)
  console.log('0 passed, 1 failed')
  process.exit(1)
})

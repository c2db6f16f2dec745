import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { harnessEnv, testSecrets } from '@license-hub/test-support'

export const ROOT = join(import.meta.dirname, '..', '..', '..', '..')
/** The CLI as `npm run cli` runs it: its sources through tsx's loader (node with it, not the `tsx` launcher). */
export const CLI_FROM_SOURCES = ['--import', 'tsx', '--conditions=license-hub-src', 'services/launcher/src/cli.ts']
/**
 * How these tests start the CLI: the same sources bundled into one file by `npm test`
 * (LH_TEST_CLI, see test/run.ts), which starts in a quarter of the time; through tsx without it.
 */
export const CLI_ARGS = process.env.LH_TEST_CLI ? [process.env.LH_TEST_CLI] : CLI_FROM_SOURCES
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Each file spawns many CLI processes; on a loaded machine that takes longer than tap's default. */
export const CLI_FILE_TIMEOUT_MS = 360_000

export interface Result { code: number; stdout: string; stderr: string; last: string }

/** The environment a CLI process gets: the test's database, the harness's Redis, the test keys. */
export function cliEnv(databaseUrl: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const secrets = testSecrets()
  return {
    PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'info', DATABASE_URL: databaseUrl, REDIS_URL: harnessEnv().redisUrl,
    JWT_SECRET: secrets.jwtSecret, LICENSE_PRIVATE_KEY: secrets.licensePrivateKey, LICENSE_PUBLIC_KEY: secrets.licensePublicKey, ...env,
  }
}

/** Runs a CLI command as an operator would (`npm run cli -- …` without npm's banner), against the test's database. */
export function cli(
  databaseUrl: string, args: string[], env: NodeJS.ProcessEnv = {}, how: { fromSources?: boolean } = {}
): Promise<Result> {
  const start = how.fromSources ? CLI_FROM_SOURCES : CLI_ARGS
  return new Promise((resolve) => {
    execFile(process.execPath, [...start, ...args], { cwd: ROOT, env: cliEnv(databaseUrl, env) }, (err, stdout, stderr) => {
      const lines = stdout.trim().split('\n')
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr, last: lines[lines.length - 1] ?? '' })
    })
  })
}

/** Runs a command with --json and parses its stdout, which must be exactly one JSON document. */
export async function cliJson(
  databaseUrl: string, args: string[], env: NodeJS.ProcessEnv = {}
): Promise<{ code: number; stderr: string; json: any }> {
  const res = await cli(databaseUrl, [...args, '--json'], env)
  let json: unknown
  try {
    json = JSON.parse(res.stdout)
  } catch {
    throw new Error(`stdout of ${args.join(' ')} --json is not one JSON document: ${res.stdout}\n${res.stderr}`)
  }
  return { code: res.code, stderr: res.stderr, json }
}

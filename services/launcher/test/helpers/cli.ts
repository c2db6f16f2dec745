import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { harnessEnv, testSecrets } from '@license-hub/test-support'

export const ROOT = join(import.meta.dirname, '..', '..', '..', '..')
/**
 * The CLI as `npm run cli` runs it (its sources through tsx's loader), started as node with that
 * loader: the `tsx` command would put a second Node process in front of each call, about half a
 * second apiece, and these files make well over a hundred calls.
 */
export const CLI_ARGS = ['--import', 'tsx', '--conditions=license-hub-src', 'services/launcher/src/cli.ts']
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

/** Runs `npm run cli -- …` as an operator would (without npm's banner), against the test's database. */
export function cli(databaseUrl: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI_ARGS, ...args], { cwd: ROOT, env: cliEnv(databaseUrl, env) }, (err, stdout, stderr) => {
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

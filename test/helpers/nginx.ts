/**
 * Runs the edge configuration docker-compose uses (infra/nginx/nginx.conf) as a child process of a
 * test, in front of the test's own api nodes. The file is rendered, never copied: a change to it
 * is what the deployment tests run.
 */
import { spawn } from 'node:child_process'
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, waitFor } from '@license-hub/local-servers'
import { harnessEnv } from '@license-hub/test-support'

type Teardown = { teardown: (fn: () => unknown) => void }

export const NGINX_CONF = resolve(fileURLToPath(import.meta.url), '../../../infra/nginx/nginx.conf')

const TEMP_PATHS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']

/** The nginx binary, or undefined when it is not installed (.ci/run installs it with apt). */
export function findNginx(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin']
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'nginx')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch { /* next */ }
  }
  return undefined
}

export interface RenderOptions {
  /** host:port of each api node, in place of the compose services' `server apiN:3000 ...;` lines. */
  upstreams: string[]
  /** Where to listen instead of 8080, e.g. `127.0.0.1:41000`. */
  listen: string
  /** Absolute directory for the logs and temp files. */
  prefix: string
}

/** Substitutes or fails: a rule that no longer matches nginx.conf must not pass silently. */
function substitute(text: string, pattern: RegExp, replacement: (match: string, ...groups: string[]) => string, what: string): string {
  if (!pattern.test(text)) throw new Error(`${NGINX_CONF} has no ${what} to render`)
  pattern.lastIndex = 0
  return text.replace(pattern, replacement)
}

/**
 * nginx.conf with the test's upstreams and port, one worker, and every log and temp path inside
 * `prefix` (the Debian build compiles in absolute temp paths under /var/lib/nginx, so `-p` alone
 * would not move them). pid and daemon are set on the command line, see startNginx.
 */
export function renderNginxConfig(source: string, options: RenderOptions): string {
  let text = source
  let upstreamsWritten = false
  // Each node keeps the parameters (max_fails, fail_timeout) of the compose services' lines.
  text = substitute(text, /^([ \t]*)server[ \t]+api\d+:3000([^;\n]*);[ \t]*\n/gm, (_line, indent, params) => {
    if (upstreamsWritten) return ''
    upstreamsWritten = true
    return options.upstreams.map((address) => `${indent}server ${address}${params};\n`).join('')
  }, 'upstream `server apiN:3000` line')
  text = substitute(text, /^([ \t]*)listen[ \t]+8080;/m, (_line, indent) => `${indent}listen ${options.listen};`, '`listen 8080`')
  text = substitute(text, /^([ \t]*)worker_processes[ \t]+[^;]+;/m, (_line, indent) => `${indent}worker_processes 1;`, '`worker_processes`')
  text = substitute(text, /^([ \t]*)error_log[ \t]+[^ \t;]+/gm, (_line, indent) => `${indent}error_log ${options.prefix}/error.log`, '`error_log`')
  text = substitute(text, /^([ \t]*)access_log[ \t]+[^ \t;]+/gm, (_line, indent) => `${indent}access_log ${options.prefix}/access.log`, '`access_log`')
  text = substitute(text, /^([ \t]*)http[ \t]*\{[ \t]*\n/m, (line, indent) =>
    line + TEMP_PATHS.map((name) => `${indent}    ${name}_temp_path ${options.prefix}/${name}_temp;\n`).join(''), '`http {` block')
  return text
}

export interface RunningNginx {
  /** http://127.0.0.1:<port> */
  url: string
  /** ws://127.0.0.1:<port> */
  wsUrl: string
  prefix: string
  accessLog: () => string
  errorLog: () => string
  stop: () => Promise<void>
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** nginx.conf in front of `upstreams` (host:port each), answering on a free port; stopped at teardown. */
export async function startNginx(t: Teardown, options: { upstreams: string[]; binary?: string }): Promise<RunningNginx> {
  const binary = options.binary ?? findNginx()
  if (!binary) throw new Error('nginx is not installed')
  const prefix = mkdtempSync(join(harnessEnv().tmp, 'nginx-'))
  // As root the workers run as nobody: they must reach the temp directories the master creates here.
  chmodSync(prefix, 0o755)
  const port = await freePort()
  const config = join(prefix, 'nginx.conf')
  writeFileSync(config, renderNginxConfig(readFileSync(NGINX_CONF, 'utf8'), { upstreams: options.upstreams, listen: `127.0.0.1:${port}`, prefix }))

  const child = spawn(binary, ['-p', `${prefix}/`, '-c', config, '-e', join(prefix, 'error.log'), '-g', `daemon off; pid ${join(prefix, 'nginx.pid')};`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  let spawnError: Error | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', (err) => { spawnError = err; resolve() })
  })
  // SIGTERM is nginx's fast shutdown: SIGQUIT would wait for the proxied WebSockets to end.
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || spawnError) return
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.kill('SIGTERM')
    await exited
    clearTimeout(kill)
  }
  t.teardown(async () => {
    await stop()
    rmSync(prefix, { recursive: true, force: true })
  })

  const url = `http://127.0.0.1:${port}`
  const errorLog = () => readOr(join(prefix, 'error.log'))
  // Any answer, even a 502, means nginx is up; an early exit (a bad configuration) ends the wait too.
  const running = () => child.exitCode === null && child.signalCode === null && !spawnError
  const started = await waitFor(async () => !running() || (await fetch(`${url}/health`), true), 'nginx', 15_000).then(running, () => false)
  if (!started) {
    await stop()
    throw new Error(`nginx did not start (exit ${child.exitCode ?? child.signalCode ?? spawnError?.message}):\n${stderr}${errorLog()}`)
  }
  return { url, wsUrl: url.replace(/^http/, 'ws'), prefix, accessLog: () => readOr(join(prefix, 'access.log')), errorLog, stop }
}

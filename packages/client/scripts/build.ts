/**
 * Builds the publishable package into dist/: tsc's ESM and declarations, compiled against browser
 * libs only; the contract's dependency-free WebSocket constants module (`@license-hub/contract/ws`)
 * carried inside as dist/contract-ws.js; the contract's types expanded into plain declarations
 * (dist/contract-types.d.ts). Then it checks that nothing in dist/ refers to a workspace package or
 * to TypeBox: the package has no runtime dependencies (react is an optional peer of ./react).
 *
 * It compiles in a temporary copy of the two workspaces, so it never writes another workspace's
 * dist/ (a concurrent `npm run build` could otherwise mix its output into the package).
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expandContractTypes } from './expand-types.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const repo = join(root, '..', '..')
const dist = join(root, 'dist')
const tsc = join(repo, 'node_modules', '.bin', 'tsc')

const work = mkdtempSync(join(tmpdir(), 'lh-client-build-'))
try {
  cpSync(join(repo, 'tsconfig.base.json'), join(work, 'tsconfig.base.json'))
  for (const pkg of ['contract', 'client']) {
    for (const entry of ['src', 'package.json', 'tsconfig.json']) {
      cpSync(join(repo, 'packages', pkg, entry), join(work, 'packages', pkg, entry), { recursive: true })
    }
  }
  const modules = join(work, 'node_modules')
  mkdirSync(join(modules, '@license-hub'), { recursive: true })
  for (const name of readdirSync(join(repo, 'node_modules'))) {
    if (name !== '@license-hub' && !name.startsWith('.')) symlinkSync(join(repo, 'node_modules', name), join(modules, name))
  }
  symlinkSync(join(work, 'packages', 'contract'), join(modules, '@license-hub', 'contract'))

  const built = spawnSync(tsc, ['-b', join(work, 'packages', 'client')], { stdio: 'inherit' })
  if (built.status !== 0) process.exit(built.status ?? 1)

  const out = join(work, 'packages', 'client', 'dist')
  writeFileSync(join(out, 'contract-types.d.ts'), expandContractTypes())
  const constants = join(work, 'packages', 'contract', 'dist', 'ws', 'constants')
  cpSync(`${constants}.js`, join(out, 'contract-ws.js'))
  cpSync(`${constants}.d.ts`, join(out, 'contract-ws.d.ts'))
  for (const file of readdirSync(out)) {
    const path = join(out, file)
    if (file.endsWith('.map') || file.endsWith('.tsbuildinfo')) {
      rmSync(path)
    } else if (file.endsWith('.js') || file.endsWith('.d.ts')) {
      // The maps point into src/, which is not packed; the constants module travels with the package.
      const text = readFileSync(path, 'utf8')
        .replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n')
        .replaceAll(/(['"])@license-hub\/contract\/ws\1/g, '$1./contract-ws.js$1')
      writeFileSync(path, text)
    }
  }

  const forbidden = /from\s+['"](@license-hub\/[^'"]+|typebox[^'"]*)['"]|import\(['"](@license-hub\/|typebox)/
  const offenders = readdirSync(out)
    .filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))
    .filter((f) => forbidden.test(readFileSync(join(out, f), 'utf8')))
  if (offenders.length > 0) {
    console.error(`dist/ would refer to unpublished packages: ${offenders.join(', ')}`)
    process.exit(1)
  }
  rmSync(dist, { recursive: true, force: true })
  cpSync(out, dist, { recursive: true })
  console.log('packages/client/dist: ESM + declarations, self-contained')
} finally {
  rmSync(work, { recursive: true, force: true })
}

/**
 * Builds the publishable package into dist/: tsc's ESM and declarations, with the contract's types
 * expanded into dist/contract-types.d.ts, then checks that nothing in dist/ refers to a workspace
 * package or to TypeBox (the package has no runtime dependencies; react is an optional peer).
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expandContractTypes } from './expand-types.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const tsc = join(root, '..', '..', 'node_modules', '.bin', 'tsc')

rmSync(dist, { recursive: true, force: true })
const built = spawnSync(tsc, ['-b', root], { stdio: 'inherit' })
if (built.status !== 0) process.exit(built.status ?? 1)

writeFileSync(join(dist, 'contract-types.d.ts'), expandContractTypes())
rmSync(join(dist, 'contract-types.d.ts.map'), { force: true })

// The maps point into src/, which is not packed: drop them and their comments.
for (const file of readdirSync(dist)) {
  const path = join(dist, file)
  if (file.endsWith('.map') || file === '.tsbuildinfo') rmSync(path)
  else if (file.endsWith('.js') || file.endsWith('.d.ts')) writeFileSync(path, readFileSync(path, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n'))
}

const forbidden = /from\s+['"](@license-hub\/[^'"]+|typebox[^'"]*)['"]|import\(['"](@license-hub\/|typebox)/
const offenders = readdirSync(dist)
  .filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))
  .filter((f) => forbidden.test(readFileSync(join(dist, f), 'utf8')))
if (offenders.length > 0) {
  console.error(`dist/ still refers to unpublished packages: ${offenders.join(', ')}`)
  process.exit(1)
}
console.log('packages/client/dist: ESM + declarations, self-contained')

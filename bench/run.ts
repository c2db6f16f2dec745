/** `npm run bench`: every benchmark in turn, each printing its figures and ratios. */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const only = process.argv.slice(2)
const benches = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort()
let failed = 0
for (const file of benches) {
  console.log(`\n# ${file}`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=license-hub-src', new URL(file, import.meta.url).pathname], { stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exit(failed ? 1 : 0)

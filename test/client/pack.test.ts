import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const repo = resolve(import.meta.dirname, '..', '..')
// Packing builds the package (tsc and the type expansion): slow on a busy machine.
t.setTimeout(360_000)

t.test('npm pack yields a self-contained ESM package with declarations, README, LICENSE and no dependencies', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lh-pack-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = execFileSync('npm', ['pack', '-w', '@license-hub/client', '--pack-destination', dir, '--json'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const [packed] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>
  const files = packed!.files.map((f) => f.path).sort()
  for (const needed of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/react.js', 'dist/react.d.ts', 'dist/contract-types.d.ts']) {
    t.ok(files.includes(needed), `packs ${needed}`)
  }
  t.notOk(files.some((f) => f.startsWith('src/') || f.endsWith('.map') || f.includes('test')), 'no sources, maps or tests')

  const consumer = join(dir, 'consumer')
  const installed = join(consumer, 'node_modules', '@license-hub', 'client')
  mkdirSync(installed, { recursive: true })
  execFileSync('tar', ['-xzf', join(dir, packed!.filename), '-C', installed, '--strip-components=1'])
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'))
  t.equal(manifest.sideEffects, false)
  t.notOk(manifest.private, 'publishable')
  t.notOk(manifest.dependencies, 'no runtime dependencies')
  t.match(manifest.peerDependenciesMeta, { react: { optional: true } })
  t.match(manifest.exports, { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './react': { types: './dist/react.d.ts' } })
  for (const file of readdirSync(join(installed, 'dist'))) {
    const text = readFileSync(join(installed, 'dist', file), 'utf8')
    t.notMatch(text, /['"](@license-hub\/(?!client)|typebox)/, `${file} refers to nothing unpublished`)
  }

  // A consumer with only this package (and React's types, for the binding) type-checks against it:
  // browser libs, no Node types.
  const modules = join(consumer, 'node_modules')
  mkdirSync(join(modules, '@types'), { recursive: true })
  symlinkSync(join(repo, 'node_modules', '@types', 'react'), join(modules, '@types', 'react'))
  symlinkSync(join(repo, 'node_modules', 'react'), join(modules, 'react'))
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module' }))
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], noEmit: true, skipLibCheck: false },
    files: ['app.ts'],
  }))
  writeFileSync(join(consumer, 'app.ts'), [
    "import { LicenseHub, LicenseHubRest, LicenseHubError, parseFeatures, type LicenseSummary, type SessionGrant, type SeatStatus } from '@license-hub/client'",
    "import { LicenseProvider, useLicense, useLicenseNotifications } from '@license-hub/client/react'",
    "const rest = new LicenseHubRest({ baseUrl: 'https://x.test', token: () => 't' })",
    'async function main(): Promise<void> {',
    "  const grant: SessionGrant = await rest.createSession({ deviceId: 'd' })",
    '  const seconds: number = grant.heartbeatIntervalSec',
    '  const license: LicenseSummary = await rest.currentLicense()',
    '  const plan: string = license.licenseType.name',
    '  const max: number = license.webrtcMaxUsers',
    '  const flags: Record<string, boolean> = parseFeatures(license.features)',
    '  const v = await rest.validateSession(grant.sessionId)',
    '  if (v.valid) { const n: number = v.activeSessions; void n } else { const c: string = v.code; void c }',
    '  // @ts-expect-error the types are real: a summary has no such field',
    '  void license.notAField',
    '  void seconds; void plan; void max; void flags',
    '}',
    "const hub = new LicenseHub({ baseUrl: 'https://x.test', token: () => 't', deviceId: 'd' })",
    "const seat: SeatStatus['state'] = hub.getState().seat.state",
    "import { CLOSE_CODES, type LicenseEventMessage } from '@license-hub/client'",
    'const cap: 1013 = CLOSE_CODES.tryAgainLater',
    "function onEvent(e: LicenseEventMessage): string | undefined { return e.type === 'module_deactivated' ? e.data.module : undefined }",
    'void cap; void onEvent',
    'void main; void seat; void LicenseHubError; void LicenseProvider; void useLicense; void useLicenseNotifications',
  ].join('\n'))
  const tsc = join(repo, 'node_modules', '.bin', 'tsc')
  let output = ''
  try {
    execFileSync(tsc, ['-p', consumer], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    output = String((err as { stdout?: string }).stdout ?? err)
  }
  t.equal(output, '', 'a consumer type-checks against the packed declarations alone')

  // And it loads in plain Node with nothing else installed.
  const loaded = execFileSync(process.execPath, ['--input-type=module', '-e',
    "import * as m from '@license-hub/client'; console.log(Object.keys(m).sort().join(','))"], { cwd: consumer, encoding: 'utf8' })
  t.match(loaded, /CLOSE_CODES,.*LicenseHub,.*LicenseSocket.*SeatKeeper/)
})

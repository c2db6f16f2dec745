/**
 * Prints src/contract-types.ts with every type expanded to plain TypeScript: what the packed
 * package ships as dist/contract-types.d.ts, so it needs neither @license-hub/contract (private)
 * nor TypeBox.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export function expandContractTypes(): string {
  const configPath = join(root, 'tsconfig.json')
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)) },
  })
  if (!config) throw new Error(`cannot read ${configPath}`)
  const file = join(root, 'src', 'contract-types.ts')
  const program = ts.createProgram({ rootNames: [file], options: { ...config.options, noEmit: true, composite: false } })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(file)
  if (!source) throw new Error(`cannot load ${file}`)
  const moduleSymbol = checker.getSymbolAtLocation(source)
  if (!moduleSymbol) throw new Error('contract-types.ts is not a module')
  const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias | ts.TypeFormatFlags.MultilineObjectLiterals
  const lines = [
    '// Generated from @license-hub/contract by scripts/expand-types.ts when the package is built: do not edit.',
    '',
  ]
  for (const symbol of checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name))) {
    const type = checker.getDeclaredTypeOfSymbol(symbol)
    const text = checker.typeToString(type, source, flags)
    if (/\b(Static|TObject|TSchema|typeof|never)\b/.test(text)) throw new Error(`${symbol.name} did not expand: ${text}`)
    lines.push(`export type ${symbol.name} = ${text};`, '')
  }
  // Pretty-print what typeToString wrote on one line.
  const generated = ts.createSourceFile('contract-types.d.ts', lines.join('\n'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const printed = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed }).printFile(generated)
  let text = printed.replace(/^(export type \w+ =)/gm, '\n$1').replace(/^\n/, '')
  // A nested type that has a name is printed by the name it was imported under here (`XType`, with
  // its default type arguments spelled out): point it at the exported alias of the same name.
  const exported = new Set(checker.getExportsOfModule(moduleSymbol).map((s) => s.name))
  text = text.replace(/\b(\w+)Type(<[^<>]*>)?/g, (whole, name: string) => (exported.has(name) ? name : whole))
  const code = text.replace(/\/\/.*$/gm, '').replace(/"(?:[^"\\]|\\.)*"/g, '""')
  const unknown = [...code.matchAll(/\b([A-Z]\w*)\b/g)].map((m) => m[1]!)
    .filter((name) => !exported.has(name) && !['Record', 'Array', 'Partial', 'Readonly'].includes(name))
  if (unknown.length > 0) throw new Error(`contract-types.d.ts would refer to undeclared names: ${[...new Set(unknown)].join(', ')}`)
  return text
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(expandContractTypes())

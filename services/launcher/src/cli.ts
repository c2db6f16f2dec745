/** `npm run cli -- <noun> <verb>`: operator tooling. Results on stdout (one JSON document with --json), logs and errors on stderr. */
import { CommanderError } from 'commander'
import { AppError } from '@license-hub/contract'
import { loadConfigOrExit } from './boot.js'
import { CliContext, CommandError, UsageError } from './cli/context.js'
import { printer } from './cli/output.js'
import { buildProgram } from './cli/program.js'

const cli = new CliContext(loadConfigOrExit())
const program = buildProgram(cli, printer)
program.exitOverride()
for (const command of program.commands) {
  command.exitOverride()
  for (const sub of command.commands) sub.exitOverride()
}

/** Exit codes: 0 done, 1 the command failed, 2 it was called wrongly. */
async function main(args: string[]): Promise<number> {
  if (args.length === 0) {
    program.outputHelp()
    return 0
  }
  try {
    await program.parseAsync(args, { from: 'user' })
    return 0
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n(see --help)\n`)
      return 2
    }
    if (err instanceof AppError || err instanceof CommandError) {
      process.stderr.write(`error: ${err.message}\n`)
      return 1
    }
    cli.log.error({ err }, 'command failed')
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  } finally {
    await cli.close()
  }
}

process.exit(await main(process.argv.slice(2)))

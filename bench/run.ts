/**
 * `npm run bench [-- --quick] [names…]`: starts one Postgres and one redis-server, runs every
 * bench/*.bench.ts (or those whose name matches) in its own process, prints each figure with its
 * ratio to a baseline measured in the same run, and writes them all to bench/results/latest.json
 * (`--quick`: a short run that checks every benchmark works, written to bench/results/quick.json).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem, tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuProfileArgs } from './lib/child.js'
import { startBenchServers } from './lib/servers.js'
import type { BenchResult } from './lib/report.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.filter((a) => !a.startsWith('--'))
const here = new URL('.', import.meta.url).pathname
const benches = readdirSync(here).filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort()

// BENCH_CPU_PROF=<dir>: V8 CPU profiles of each benchmark's own process (and of its api nodes) in <dir>.
const profile = cpuProfileArgs()

function runBench(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', '--conditions=license-hub-src', join(here, file)], { stdio: 'inherit', env })
    child.on('close', (code) => resolve(code ?? 1))
  })
}

const started = Date.now()
// Other work on the machine skews absolute figures (ratios hold up better): the run says how busy it was.
const loadAtStart = loadavg().map((l) => Math.round(l * 10) / 10)
const servers = await startBenchServers()
const stop = async () => { await servers.stop() }
process.once('SIGINT', () => { void stop().finally(() => process.exit(130)) })
const resultsFile = join(servers.dir, 'results.jsonl')
const failed: string[] = []
// Seconds each benchmark took: the whole run must stay under five minutes.
const durations: Record<string, number> = {}
try {
  for (const file of benches) {
    console.log(`\n# ${file}${quick ? ' (quick)' : ''}`)
    const benchStarted = Date.now()
    const code = await runBench(file, {
      ...process.env, BENCH_QUICK: quick ? '1' : '', BENCH_POSTGRES_URL: servers.postgresUrl, BENCH_REDIS_URL: servers.redisUrl,
      BENCH_RESULTS: resultsFile, BENCH_TMP: servers.dir, NODE_ENV: undefined, LOG_LEVEL: undefined,
    })
    durations[file] = Math.round((Date.now() - benchStarted) / 1000)
    console.log(`# ${file}: ${durations[file]} s`)
    if (code !== 0) failed.push(file)
  }
} finally {
  let lines: string[] = []
  try { lines = readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean) } catch { /* no figures */ }
  await stop()
  const results = lines.map((line) => JSON.parse(line) as BenchResult)
  const benchmarks = Object.fromEntries(results.map(({ name, ...figures }) => [name, figures]))
  const cpu = cpus()
  const out = {
    date: new Date().toISOString(),
    quick,
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 10) / 10) },
    durationSec: Math.round((Date.now() - started) / 1000),
    durationsSec: durations,
    benchmarks,
  }
  const dir = join(here, 'results')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, quick ? 'quick.json' : 'latest.json')
  if (only.length === 0 || quick) writeFileSync(path, `${JSON.stringify(out, null, 2)}\n`)
  else writeFileSync(join(tmpdir(), 'license-hub-bench-partial.json'), `${JSON.stringify(out, null, 2)}\n`)
  console.log('\n# summary')
  for (const r of results) {
    const goal = r.goal ? `  goal ${r.goal} ${r.met ? 'met' : 'NOT MET'}` : ''
    console.log(`${r.name.padEnd(34)} ${fmt(r.value)} ${r.unit.padEnd(12)} ratio ${r.ratio === null ? '-' : r.ratio.toFixed(2)}${goal}`)
  }
  console.log(`${results.length} figures in ${out.durationSec} s${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`)
  rmSync(servers.dir, { recursive: true, force: true })
}
process.exit(failed.length ? 1 : 0)

function fmt(n: number): string {
  return (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2)).padStart(10)
}

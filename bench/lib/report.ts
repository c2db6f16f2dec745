import { appendFileSync } from 'node:fs'

/** One benchmark's figure as bench/results/latest.json holds it. */
export interface BenchResult {
  name: string
  value: number
  unit: string
  /** The same figure of the baseline measured in the same run (null when there is none). */
  baseline: number | null
  /** value / baseline, or for a latency the factor that the goal is stated in. */
  ratio: number | null
  /** 99th percentile latency in ms, where the benchmark has one. */
  p99: number | null
  baselineP99?: number | null
  /** The issue's goal, in words, and whether this run met it. */
  goal?: string
  met?: boolean
  [detail: string]: unknown
}

export const quick = process.env.BENCH_QUICK === '1'

/** The middle value (the mean of the middle two for an even count): a benchmark's rounds become one figure. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Prints one figure beside its baseline and keeps it for the run's results file. */
export function record(result: BenchResult): void {
  const ratio = result.ratio === null ? '' : `  ratio ${result.ratio.toFixed(3)}`
  const p99 = result.p99 === null ? '' : `  p99 ${round(result.p99)} ms${result.baselineP99 != null ? ` (baseline ${round(result.baselineP99)} ms)` : ''}`
  const baseline = result.baseline === null ? '' : `  baseline ${round(result.baseline)} ${result.unit}`
  const goal = result.goal ? `  goal ${result.goal}: ${result.met ? 'met' : 'NOT MET'}` : ''
  console.log(`${result.name}: ${round(result.value)} ${result.unit}${baseline}${ratio}${p99}${goal}`)
  if (process.env.BENCH_RESULTS) appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(result)}\n`)
}

const round = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2))

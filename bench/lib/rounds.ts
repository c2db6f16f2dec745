import { load, type LoadOptions, type LoadResult } from './load.js'
import { median } from './report.js'

export type Target = Omit<LoadOptions, 'durationSec' | 'connections'>

export interface Turns {
  /** Each target's runs in the order they ran; a baseline has one run more than its rounds (the last). */
  runs: Map<string, LoadResult[]>
  /**
   * The subject's throughput over its baseline's, one per round, each against the mean of the
   * baseline's runs just before and just after it: a machine that slows down or speeds up during
   * a round (other work on shared cores) then moves the baseline with the subject, not past it.
   */
  ratios: (subject: string, baseline: string) => number[]
}

/**
 * Runs `targets` in turns, `rounds` times in their order, then each of `baselines` once more so
 * that every subject run has a baseline run on either side. Warm-up runs of `warmUpSec` go first.
 */
export async function inTurns(
  targets: Record<string, Target>,
  options: { connections: number; rounds: number; durationSec: number; warmUpSec: number; baselines: string[] }
): Promise<Turns> {
  const runs = new Map<string, LoadResult[]>(Object.keys(targets).map((name) => [name, []]))
  const run = async (name: string, durationSec: number, label = name) =>
    load(label, { ...targets[name]!, connections: options.connections, durationSec })
  if (options.warmUpSec > 0) {
    for (const name of Object.keys(targets)) await run(name, options.warmUpSec, `warm-up ${name}`)
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const name of Object.keys(targets)) runs.get(name)!.push(await run(name, options.durationSec))
  }
  for (const name of options.baselines) runs.get(name)!.push(await run(name, options.durationSec))
  return {
    runs,
    ratios: (subject, baseline) => {
      const bases = runs.get(baseline)!
      return runs.get(subject)!.slice(0, options.rounds).map((s, i) => s.rps / ((bases[i]!.rps + bases[i + 1]!.rps) / 2))
    },
  }
}

/** The median of a target's figure over its runs. */
const medianOf = (results: LoadResult[], figure: 'rps' | 'p99') => median(results.map((r) => r[figure]))

/** A subject's figures against its baseline, as `record` takes them: medians over the runs, the ratio over the rounds. */
export function figures(turns: Turns, subject: string, baseline: string) {
  const subjects = turns.runs.get(subject)!
  const bases = turns.runs.get(baseline)!
  const ratios = turns.ratios(subject, baseline)
  return {
    value: medianOf(subjects, 'rps'), unit: 'req/s', baseline: medianOf(bases, 'rps'), ratio: median(ratios),
    p99: medianOf(subjects, 'p99'), baselineP99: medianOf(bases, 'p99'), rounds: ratios.length, ratios,
  }
}

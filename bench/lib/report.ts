export interface Figure {
  name: string
  value: number
  unit: string
}

/** Prints figures and each one's ratio against the baseline measured in the same run. */
export function report(title: string, baseline: Figure, figures: Figure[], higherIsBetter: boolean): void {
  console.log(`\n## ${title}`)
  console.log(`baseline  ${baseline.name}: ${baseline.value.toFixed(1)} ${baseline.unit}`)
  for (const figure of figures) {
    const ratio = figure.value / baseline.value
    const reading = higherIsBetter ? `${(ratio * 100).toFixed(1)}% of baseline throughput` : `${ratio.toFixed(2)}x baseline latency`
    console.log(`          ${figure.name}: ${figure.value.toFixed(1)} ${figure.unit}  (${reading})`)
  }
}

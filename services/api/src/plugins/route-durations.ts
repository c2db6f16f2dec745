import type { onResponseHookHandler } from 'fastify'

/** Prometheus' default buckets in seconds, which prom-client's Histogram uses too. */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])

type Labels = { method: string; route: string; status_code: number }

/** One series: the answers of one method, route and status. */
interface Series {
  labels: Labels
  /** Answers per bucket, not summed up: `counts[i]` took longer than bound i-1 and at most bound i; the last, longer than every bound. */
  counts: Float64Array
  sum: number
}

/** One exported value, as prom-client's Registry reads a histogram's. */
interface Value {
  metricName: string
  labels: Record<string, string | number>
  value: number
}

/**
 * `http_request_duration_seconds{method,route,status_code}`, a histogram kept in plain counters and
 * registered in prom-client's Registry, which renders it as it renders its own Histogram (same
 * name, buckets, series and order). prom-client's Histogram checks its labels and builds their
 * string key again on every observe: measured under load, that was 8-15 µs of a license read's
 * 105 (1.3-1.6 µs in a loop by itself). Here an answer costs a Map lookup, a search of eleven
 * bounds and two additions.
 */
export class RouteDurations {
  readonly name = 'http_request_duration_seconds'
  readonly help = 'request duration in seconds'
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly series: Series[] = []

  /** An onResponse hook that times every answer of the route with this pattern. */
  timer(route: string): onResponseHookHandler {
    const byMethodAndStatus = new Map<string, Series>()
    return (request, reply, done) => {
      const key = `${request.method} ${reply.statusCode}`
      let series = byMethodAndStatus.get(key)
      if (!series) {
        const labels = { method: request.method, route, status_code: reply.statusCode }
        series = { labels, counts: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0 }
        byMethodAndStatus.set(key, series)
        this.series.push(series)
      }
      this.observe(series, reply.elapsedTime / 1000)
      done()
    }
  }

  /** What prom-client's Registry reads at every scrape: each series' buckets (summed up to each bound, then +Inf), sum and count. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }> {
    const values: Value[] = []
    const bucket = `${this.name}_bucket`
    for (const { labels, counts, sum } of this.series) {
      let below = 0
      DURATION_BUCKETS.forEach((le, i) => {
        below += counts[i]!
        values.push({ metricName: bucket, labels: { le, ...labels }, value: below })
      })
      const count = below + counts[DURATION_BUCKETS.length]!
      values.push(
        { metricName: bucket, labels: { le: '+Inf', ...labels }, value: count },
        { metricName: `${this.name}_sum`, labels: { ...labels }, value: sum },
        { metricName: `${this.name}_count`, labels: { ...labels }, value: count })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  /** Registry.resetMetrics(): every series back to zero. */
  reset(): void {
    for (const series of this.series) {
      series.counts.fill(0)
      series.sum = 0
    }
  }

  private observe(series: Series, seconds: number): void {
    let i = 0
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++
    series.counts[i]! += 1
    series.sum += seconds
  }
}

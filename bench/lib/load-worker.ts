/**
 * The load generator, in its own process: runs autocannon as its parent asks and answers with the
 * figures. Requests rotate over `variants` (distinct tokens and sessions); `churn` makes each
 * connection create a seat then end it, for distinct users.
 */
import autocannon, { type Request } from 'autocannon'
import type { LoadOptions, LoadResult } from './load.js'

function requestsFor(options: LoadOptions): Request[] {
  let next = 0
  if (options.churn) {
    const { tokens, paths: [create, end] = ['/api/licenses/create-session', '/api/licenses/end-session'] } = options.churn
    type Ctx = { token?: string; sessionId?: string }
    return [
      {
        method: 'POST', path: create,
        setupRequest: (req: Request, context: Ctx) => {
          context.token = tokens[next++ % tokens.length]!
          return { ...req, headers: { authorization: `Bearer ${context.token}`, 'content-type': 'application/json' }, body: '{"deviceId":"bench-churn"}' }
        },
        onResponse: (_status: number, body: string, context: Ctx) => {
          try { context.sessionId = (JSON.parse(body) as { sessionId?: string }).sessionId } catch { context.sessionId = undefined }
        },
      } as Request,
      {
        method: 'POST', path: end,
        setupRequest: (req: Request, context: Ctx) => ({
          ...req, headers: { authorization: `Bearer ${context.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sessionId: context.sessionId }),
        }),
      } as Request,
    ]
  }
  const variants = options.variants ?? [{}]
  return [{
    method: options.method ?? 'GET', path: options.path ?? '/',
    setupRequest: (req: Request) => {
      const v = variants[next++ % variants.length]!
      return { ...req, headers: { ...v.headers }, ...(v.body !== undefined ? { body: v.body } : {}) }
    },
  } as Request]
}

process.on('message', (options: LoadOptions) => {
  const url = new URL(options.url).origin
  autocannon({ url, connections: options.connections, duration: options.durationSec, requests: requestsFor(options) }, (err, result) => {
    if (err) {
      process.send?.({ type: 'result', error: String(err) })
      return
    }
    const answer: LoadResult = {
      rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total,
      non2xx: result.non2xx, errors: result.errors + result.timeouts,
    }
    process.send?.({ type: 'result', ...answer })
  })
})
// One run after another, as its parent asks, until the parent goes.
process.on('disconnect', () => process.exit(0))
process.send?.({ type: 'ready' })

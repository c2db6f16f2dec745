/**
 * The admission benchmark's load generator, in its own process: each round sends one
 * create-session per user, all at once, spread over the api nodes, counts the seats granted,
 * then gives them back.
 */
import { Agent, request } from 'undici'

interface Job { urls: string[]; tokens: string[]; rounds: number }

const agent = new Agent({ connections: 1200, pipelining: 1, keepAliveTimeout: 60_000 })

async function post(
  url: string, path: string, token: string, body: unknown
): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const started = performance.now()
  const res = await request(`${url}${path}`, {
    method: 'POST', dispatcher: agent, body: JSON.stringify(body),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  })
  const json = await res.body.json() as Record<string, unknown>
  return { status: res.statusCode, body: json, ms: performance.now() - started }
}

interface Round {
  round: number; granted: number; refused: number; other: number; otherAnswers?: Record<string, number>; p99: number; ms: number
}

async function run(job: Job): Promise<void> {
  const rounds: Round[] = []
  for (let round = 0; round < job.rounds; round++) {
    const started = performance.now()
    const answers = await Promise.all(job.tokens.map((token, i) =>
      post(job.urls[i % job.urls.length]!, '/api/licenses/create-session', token, { deviceId: `round-${round}` }).then((a) => ({ ...a, token, url: job.urls[i % job.urls.length]! }))))
    const ms = performance.now() - started
    // Each answer is a seat, the limit's refusal, or something else, counted by status and code.
    const granted: typeof answers = []
    let refused = 0
    const otherAnswers: Record<string, number> = {}
    for (const a of answers) {
      if (a.status === 201) granted.push(a)
      else if (a.status === 403 && a.body.code === 'USER_LIMIT_REACHED') refused++
      else {
        const key = `${a.status} ${String(a.body.code ?? '')}`
        otherAnswers[key] = (otherAnswers[key] ?? 0) + 1
      }
    }
    const other = answers.length - granted.length - refused
    const latencies = answers.map((a) => a.ms).sort((a, b) => a - b)
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!
    rounds.push({ round, granted: granted.length, refused, other, ...(other > 0 ? { otherAnswers } : {}), p99, ms })
    await Promise.all(granted.map((a) => post(a.url, '/api/licenses/end-session', a.token, { sessionId: a.body.sessionId })))
  }
  process.send?.({ type: 'result', rounds }, () => process.exit(0))
}
// A failed job ends the process with its error rather than leaving the parent waiting.
process.on('message', (job: Job) => {
  run(job).catch((err: unknown) => { console.error(err); process.exit(1) })
})
process.send?.({ type: 'ready' })

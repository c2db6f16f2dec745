/**
 * The baselines, each in its own process: `http`, a bare Fastify answering a small JSON body to
 * GET and POST (given a Redis, a POST that first runs one Lua script there; given a database, a
 * pair of POSTs that insert a row and then end it, one Postgres statement each); `ws`, a bare
 * `ws` server that broadcasts what it receives on a Redis channel to every client, as the same
 * bytes.
 */
import Fastify from 'fastify'
import { WebSocketServer, type WebSocket } from 'ws'
import { Redis } from 'ioredis'
import pg from 'pg'
import { randomUUID } from 'node:crypto'
import { onGcRequest } from './gc.js'

const mode = process.env.BENCH_BARE ?? 'http'

if (mode === 'http') {
  const app = Fastify()
  const answer = { valid: true, expiresAt: new Date(0).toISOString(), activeSessions: 1, webrtcMaxUsers: 25 }
  app.get('/bare', async () => answer)
  app.post('/bare', async () => answer)
  // The heartbeat's floor: the same POST plus one EVALSHA round trip, as a heartbeat makes.
  if (process.env.BENCH_REDIS_URL) {
    const redis = new Redis(process.env.BENCH_REDIS_URL)
    redis.defineCommand('touchLease', { numberOfKeys: 1, lua: "return redis.call('SET', KEYS[1], ARGV[1], 'PX', 60000)" })
    const touch = (redis as unknown as { touchLease: (key: string, value: string) => Promise<unknown> }).touchLease.bind(redis)
    app.post('/bare-lua', async () => { await touch('bench:bare-lua', '1'); return answer })
    app.addHook('onClose', async () => { redis.disconnect() })
  }
  // Seat churn's floor: each answer waits for its row in Postgres, as create- and end-session do.
  if (process.env.BENCH_DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10 })
    await pool.query(`create table if not exists bench_bare_rows (id uuid primary key, user_id uuid not null, device_id text not null,
      created_at timestamptz not null, ended_at timestamptz)`)
    app.post<{ Body: { deviceId: string } }>('/bare-pg/create', async (request, reply) => {
      const id = randomUUID()
      await pool.query('insert into bench_bare_rows (id, user_id, device_id, created_at) values ($1, $2, $3, $4)', [id, randomUUID(), request.body.deviceId, new Date()])
      return reply.code(201).send({ sessionId: id })
    })
    app.post<{ Body: { sessionId: string } }>('/bare-pg/end', async (request) => {
      const { rowCount } = await pool.query('update bench_bare_rows set ended_at = $1 where id = $2 and ended_at is null', [new Date(), request.body.sessionId])
      return { ended: rowCount === 1 }
    })
    app.addHook('onClose', async () => { await pool.end() })
  }
  const url = await app.listen({ port: Number(process.env.BENCH_PORT ?? 0), host: '127.0.0.1' })
  process.send?.({ type: 'ready', url })
} else {
  const sockets = new Set<WebSocket>()
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const subscriber = new Redis(process.env.BENCH_REDIS_URL!)
  await subscriber.subscribe(process.env.BENCH_CHANNEL!)
  subscriber.on('message', (_channel: string, message: string) => {
    for (const socket of sockets) socket.send(message)
  })
  const port = (server.address() as { port: number }).port
  process.send?.({ type: 'ready', url: `ws://127.0.0.1:${port}` })
}
process.on('SIGTERM', () => process.exit(0))
onGcRequest()

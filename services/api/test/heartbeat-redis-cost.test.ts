/**
 * What one heartbeat costs Redis, measured on a redis-server of this test's own: the figures the
 * README's capacity model starts from. Counted, not timed.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startRedis } from '@license-hub/local-servers'
import { batched, MAX_BATCH } from '@license-hub/redis'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser, type TestUser } from '../../../test/helpers/users.js'
import { createSession, licenseWithSeats, validateSession } from './helpers/seats.js'
import { harnessEnv } from '@license-hub/test-support'

const HEARTBEATS = 200

/** Every command the hot path's heartbeat script (with its library) may call. */
const SCRIPT_COMMANDS = new Set(['heartbeats', 'lib'].flatMap((name) =>
  [...readFileSync(new URL(`../../../packages/redis/src/seats/${name}.lua`, import.meta.url), 'utf8').matchAll(/redis\.call\('(\w+)'/g)]
    .map((match) => match[1]!.toLowerCase())))

function calls(commandstats: string): Map<string, number> {
  return new Map([...commandstats.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]))
}

function stat(info: string, name: string): number {
  return Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1])
}

t.test('a heartbeat is one round trip to Redis (the seat script), of about 600 bytes in and a few dozen bytes out', async (t) => {
  const server = await startRedis({ dataDir: join(harnessEnv().tmp, `heartbeat-cost-${randomBytes(4).toString('hex')}`) })
  t.teardown(() => server.stop())
  // The node's WebSocket counts are rewritten every statsRefreshMs: not within this test.
  const testApp = await buildTestApp(t, { redisUrl: server.url, wsHub: { statsRefreshMs: 3_600_000 } })
  const { app } = testApp
  const probe = new Redis(server.url)
  t.teardown(() => probe.quit())
  await licenseWithSeats(testApp, 5)
  const user = await createTestUser(testApp)
  const { sessionId } = (await createSession(app, user.headers, 'softphone-bar-device-01')).json()
  t.equal((await validateSession(app, user.headers, sessionId)).json().valid, true, 'warm: the license and the token are in the node\'s memory')

  const read = async () => {
    const info = await probe.info('stats')
    const commands = await probe.info('commandstats')
    return {
      commands: stat(info, 'total_commands_processed'), in: stat(info, 'total_net_input_bytes'), out: stat(info, 'total_net_output_bytes'),
      calls: calls(commands),
    }
  }
  // What reading the counters itself costs, to take it out of the figures.
  const [r0, r1] = [await read(), await read()]
  const probeCost = { commands: r1.commands - r0.commands, in: r1.in - r0.in, out: r1.out - r0.out }

  for (let i = 0; i < HEARTBEATS; i++) t.equal((await validateSession(app, user.headers, sessionId)).json().valid, true, `heartbeat ${i}`)
  const r2 = await read()
  const per = {
    commands: (r2.commands - r1.commands - probeCost.commands) / HEARTBEATS,
    in: (r2.in - r1.in - probeCost.in) / HEARTBEATS,
    out: (r2.out - r1.out - probeCost.out) / HEARTBEATS,
  }
  const ran = [...r2.calls].map(([name, n]) => [name, n - (r1.calls.get(name) ?? 0) - (name === 'info' ? 2 : 0)] as const).filter(([, n]) => n > 0)
  t.comment(`per heartbeat: ${per.commands} commands executed, ${per.in.toFixed(0)} bytes in, ${per.out.toFixed(0)} bytes out; ${JSON.stringify(Object.fromEntries(ran))}`)
  t.equal(r2.calls.get('evalsha')! - (r1.calls.get('evalsha') ?? 0), HEARTBEATS, 'each heartbeat ran the seat script once (EVALSHA): one round trip')
  t.same(ran.filter(([name]) => name !== 'evalsha' && !SCRIPT_COMMANDS.has(name)), [],
    'every other command ran inside the script: no cache read, no publish, no second round trip')
  t.same(ran.filter(([, n]) => n > HEARTBEATS), [], 'each of them at most once per heartbeat: nothing beside the script reads the marker or a cache')
  // The hot path's form: 4 keys and 4 arguments (about 600 bytes here); the full path's 7 keys and 6 arguments are about 930.
  t.ok(per.in > 300 && per.in < 800, `its request is the hot path's short form (${per.in.toFixed(0)} bytes)`)
  t.ok(per.out < 200, `its reply is a short array (${per.out.toFixed(0)} bytes)`)
})

t.test('concurrent heartbeats of one license run as one script call, and each still gets its own answer', async (t) => {
  const server = await startRedis({ dataDir: join(harnessEnv().tmp, `heartbeat-batch-${randomBytes(4).toString('hex')}`) })
  t.teardown(() => server.stop())
  const testApp = await buildTestApp(t, { redisUrl: server.url, wsHub: { statsRefreshMs: 3_600_000 } })
  const { app } = testApp
  const probe = new Redis(server.url)
  t.teardown(() => probe.quit())
  await licenseWithSeats(testApp, 50)
  const seats: { user: TestUser, sessionId: string }[] = []
  for (let i = 0; i < 20; i++) {
    const user = await createTestUser(testApp)
    const { sessionId } = (await createSession(app, user.headers, `device-${i}`)).json()
    t.equal((await validateSession(app, user.headers, sessionId)).json().valid, true, `seat ${i} is warm`)
    seats.push({ user, sessionId })
  }
  const reads = async () => {
    const [stats, commands] = [await probe.info('stats'), await probe.info('commandstats')]
    return { reads: stat(stats, 'total_reads_processed'), scripts: calls(commands).get('evalsha') ?? 0 }
  }
  const [r0, r1] = [await reads(), await reads()]
  // The last one names another user's session: refused, while the others pass.
  const answers = await Promise.all(seats.map((seat, i) =>
    validateSession(app, seat.user.headers, i === seats.length - 1 ? seats[0]!.sessionId : seat.sessionId)))
  const r2 = await reads()
  t.same(answers.slice(0, -1).map((a) => a.json().valid), seats.slice(0, -1).map(() => true), 'every heartbeat of its own seat answered valid')
  t.equal(answers.at(-1)!.json().valid, false, 'the heartbeat of a seat that is not the caller\'s answered invalid in the same batch')
  const socketReads = r2.reads - r1.reads - (r1.reads - r0.reads)
  const scripts = r2.scripts - r1.scripts
  t.comment(`${seats.length} concurrent heartbeats: ${scripts} script calls, ${socketReads} socket reads by Redis`)
  t.ok(scripts >= 1 && scripts <= seats.length / 4, `the ${seats.length} heartbeats ran in a few script calls (${scripts}), not one each`)
  t.ok(socketReads <= seats.length / 4, `Redis read them in a few writes (${socketReads}), not one each`)
})

t.test('batched: the calls of one turn and group go out together, in order, each with its own reply', async (t) => {
  const server = await startRedis({ dataDir: join(harnessEnv().tmp, `batch-${randomBytes(4).toString('hex')}`) })
  t.teardown(() => server.stop())
  const redis = new Redis(server.url)
  t.teardown(() => redis.disconnect()) // the test quits it itself
  await redis.mset('k1', 'one', 'k2', 'two', 'k3', 'three', 'a-string', 'x')
  const sent: string[][] = []
  const mget = (items: string[]) => { sent.push(items); return redis.mget(...items) }
  const replies = await Promise.all(['k1', 'k2', 'k1', 'k3', 'none'].map((key) => batched(redis, 'g', key, mget)))
  t.same(replies, ['one', 'two', 'one', 'three', null], 'each caller got the reply to its own item')
  t.same(sent, [['k1', 'k2', 'k1', 'k3', 'none']], 'the five calls of one turn were one command, in the order they were made')

  sent.length = 0
  const [g1, g2] = await Promise.all([batched(redis, 'g1', 'k1', mget), batched(redis, 'g2', 'k2', mget)])
  t.same([g1, g2, sent], ['one', 'two', [['k1'], ['k2']]], 'another group is another batch')
  const later = await batched(redis, 'g', 'k2', mget)
  t.same([later, sent.at(-1)], ['two', ['k2']], 'a call of a later turn is a batch of its own')

  sent.length = 0
  const many = Array.from({ length: MAX_BATCH * 2 + 3 }, (_, i) => `k${(i % 3) + 1}`)
  const manyReplies = await Promise.all(many.map((key) => batched(redis, 'g', key, mget)))
  t.same(sent.map((items) => items.length), [MAX_BATCH, MAX_BATCH, 3], `a batch over ${MAX_BATCH} leaves as several commands`)
  t.same(manyReplies, many.map((key) => ({ k1: 'one', k2: 'two', k3: 'three' })[key]), 'and every caller still got its own reply')

  const hgets = (items: string[]) => Promise.all(items.map((key) => redis.hget(key, 'field')))
  const failing = await Promise.allSettled(['a-string', 'k1'].map((key) => batched(redis, 'h', key, hgets)))
  t.match(failing, [{ status: 'rejected', reason: { message: /WRONGTYPE/ } }, { status: 'rejected', reason: { message: /WRONGTYPE/ } }],
    'a batch whose command fails fails for every caller in it, never leaving one pending')
  await redis.quit()
  await t.rejects(batched(redis, 'g', 'k1', mget), 'a closed connection rejects the call, never leaves it pending')
})

import { readFileSync } from 'node:fs'
import type { RedisClient } from '../connection.js'
import type { RedisKeys } from '../keys.js'
import { batched } from '../tick-batch.js'

/** The Redis keys of one license's seats (all under the tenant's hash tag). */
export interface SeatKeys {
  seats: string
  owners: string
  users: string
  loaded: string
  released: string
}

const known = new WeakMap<RedisKeys, Map<string, SeatKeys>>()
const MAX_KNOWN = 10_000

/** The same object for the same license each time: a heartbeat builds no key strings. */
export function seatKeys(keys: RedisKeys, tenantId: string, licenseId: string): SeatKeys {
  let byLicense = known.get(keys)
  if (!byLicense) known.set(keys, (byLicense = new Map()))
  const id = `${tenantId}/${licenseId}`
  let found = byLicense.get(id)
  if (!found) {
    if (byLicense.size >= MAX_KNOWN) byLicense.clear()
    const seats = keys.seats(tenantId, licenseId)
    found = Object.freeze({
      seats,
      owners: keys.seatOwners(tenantId, licenseId),
      users: keys.seatUsers(tenantId, licenseId),
      loaded: keys.seatsLoaded(tenantId, licenseId),
      released: keys.seatsReleased(tenantId, licenseId),
    })
    byLicense.set(id, found)
  }
  return found
}

type Arg = string | number
type Reply = Arg[]

interface SeatCommands {
  seatAdmit(...args: Arg[]): Promise<Reply>
  seatHeartbeat(...args: Arg[]): Promise<Reply>
  seatHeartbeats(...args: Arg[]): Promise<Reply[]>
  seatRelease(...args: Arg[]): Promise<Reply>
  seatRebuild(...args: Arg[]): Promise<Reply>
  seatCount(...args: Arg[]): Promise<Reply>
}

const lua = (name: string) => readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8')

const SCRIPTS: Record<keyof SeatCommands, { file: string; keys: number }> = {
  seatAdmit: { file: 'admit', keys: 4 },
  seatHeartbeat: { file: 'heartbeat', keys: 7 },
  seatHeartbeats: { file: 'heartbeats', keys: 4 },
  seatRelease: { file: 'release', keys: 5 },
  seatRebuild: { file: 'rebuild', keys: 5 },
  seatCount: { file: 'count', keys: 4 },
}

let sources: Record<string, string> | undefined
const defined = new WeakSet<RedisClient>()

/** Defines the seat scripts on a client once; ioredis then calls them by EVALSHA (EVAL after a SCRIPT FLUSH or restart). */
function commands(redis: RedisClient): SeatCommands {
  if (!defined.has(redis)) {
    sources ??= (() => {
      const lib = lua('lib')
      return Object.fromEntries(Object.values(SCRIPTS).map(({ file }) => [file, `${lib}\n${lua(file)}`]))
    })()
    for (const [name, { file, keys }] of Object.entries(SCRIPTS)) {
      redis.defineCommand(name, { numberOfKeys: keys, lua: sources[file]! })
    }
    defined.add(redis)
  }
  return redis as unknown as SeatCommands
}

const str = (value: Arg | undefined) => (value === undefined ? '' : String(value))
const num = (value: Arg | undefined) => Number(value ?? 0)

export type AdmitStatus = 'rebuild' | 'existing' | 'concurrent' | 'forced' | 'full' | 'admitted'

export interface AdmitInput {
  now: number
  expiry: number
  limit: number
  userId: string
  deviceId: string
  sessionId: string
  force: boolean
}

export interface AdmitResult {
  status: AdmitStatus
  /** The seat granted or returned (existing, forced, admitted). */
  sessionId?: string
  activeSessions: number
  /** The user's seat on another device (concurrent) or the one force ended (forced). */
  otherSessionId?: string
  /** Seats dropped on the way because their lease ended. */
  lapsed: string[]
}

export async function admitSeat(redis: RedisClient, keys: SeatKeys, input: AdmitInput): Promise<AdmitResult> {
  const reply = await commands(redis).seatAdmit(keys.seats, keys.owners, keys.users, keys.loaded,
    input.now, input.expiry, input.limit, input.userId, input.deviceId, input.sessionId, input.force ? '1' : '0')
  const [status, sessionId, activeSessions, other, ...lapsed] = reply
  return {
    status: str(status) as AdmitStatus,
    ...(str(sessionId) ? { sessionId: str(sessionId) } : {}),
    activeSessions: num(activeSessions),
    ...(str(other) ? { otherSessionId: str(other) } : {}),
    lapsed: lapsed.map(str),
  }
}

export type HeartbeatStatus = 'rebuild' | 'extended' | 'foreign' | 'moved' | 'restored' | 'missing' | 'taken'

export interface HeartbeatInput {
  now: number
  expiry: number
  sessionId: string
  userId: string
  deviceId: string
  /** Postgres holds the session live: put its seat back if Redis lost it. */
  restore: boolean
}

export interface HeartbeatResult {
  status: HeartbeatStatus
  activeSessions: number
  lapsed: string[]
}

/** `keys` are the seats of the license in force, `admittedOn` those of the license the session was admitted on. */
export async function heartbeatSeat(
  redis: RedisClient, keys: SeatKeys, admittedOn: SeatKeys, input: HeartbeatInput
): Promise<HeartbeatResult> {
  // The hot path (admitted on the license in force, nothing to restore): the heartbeats of one
  // license that arrive together run as one script call, four arguments each (heartbeats.lua).
  const hot = admittedOn.seats === keys.seats && !input.restore && input.deviceId === ''
  const reply = hot
    ? await batched<Arg[], Reply>(redis, keys.seats, [input.now, input.expiry, input.sessionId, input.userId], (items) =>
      commands(redis).seatHeartbeats(keys.seats, keys.owners, keys.users, keys.loaded, ...items.flat()))
    : await commands(redis).seatHeartbeat(keys.seats, keys.owners, keys.users, keys.loaded,
      admittedOn.seats, admittedOn.owners, admittedOn.users, input.now, input.expiry, input.sessionId, input.userId, input.deviceId, input.restore ? '1' : '0')
  const [status, activeSessions, ...lapsed] = reply
  return { status: str(status) as HeartbeatStatus, activeSessions: num(activeSessions), lapsed: lapsed.map(str) }
}

/** Frees seats whose sessions were already ended in Postgres; `leaseMs` bounds how long a rebuild must skip them. */
export async function releaseSeats(
  redis: RedisClient, keys: SeatKeys, leaseMs: number, sessionIds: string[]
): Promise<{ removed: number; activeSessions: number }> {
  if (sessionIds.length === 0) return { removed: 0, activeSessions: await redis.zcard(keys.seats) }
  const [removed, activeSessions] = await commands(redis).seatRelease(keys.seats, keys.owners, keys.users, keys.loaded, keys.released,
    leaseMs, ...sessionIds)
  return { removed: num(removed), activeSessions: num(activeSessions) }
}

export interface LiveSeat {
  sessionId: string
  userId: string
  deviceId: string
  /** Lease expiry (ms). */
  expiry: number
}

/** Replaces the seats from Postgres unless another node already did; `seats` oldest first. */
export async function rebuildSeats(
  redis: RedisClient, keys: SeatKeys, now: number, seats: LiveSeat[]
): Promise<{ rebuilt: boolean; activeSessions: number }> {
  const args = seats.flatMap((seat) => [seat.sessionId, seat.userId, seat.deviceId, seat.expiry])
  const [rebuilt, activeSessions] = await commands(redis)
    .seatRebuild(keys.seats, keys.owners, keys.users, keys.loaded, keys.released, now, ...args)
  return { rebuilt: num(rebuilt) === 1, activeSessions: num(activeSessions) }
}

export async function countSeats(
  redis: RedisClient, keys: SeatKeys, now: number
): Promise<{ loaded: boolean; activeSessions: number; lapsed: string[] }> {
  const [status, activeSessions, ...lapsed] = await commands(redis).seatCount(keys.seats, keys.owners, keys.users, keys.loaded, now)
  return { loaded: str(status) !== 'rebuild', activeSessions: num(activeSessions), lapsed: lapsed.map(str) }
}

/** The live seats as they stand (a listing: not atomic with admission). */
export async function listSeats(redis: RedisClient, keys: SeatKeys, now: number): Promise<LiveSeat[]> {
  const [scored, owners] = await Promise.all([
    redis.zrangebyscore(keys.seats, `(${now}`, '+inf', 'WITHSCORES'),
    redis.hgetall(keys.owners),
  ])
  const seats: LiveSeat[] = []
  for (let i = 0; i < scored.length; i += 2) {
    const sessionId = scored[i]!
    const owner = owners[sessionId]
    if (!owner) continue
    const { userId, deviceId } = JSON.parse(owner) as { userId: string; deviceId: string }
    seats.push({ sessionId, userId, deviceId, expiry: Number(scored[i + 1]) })
  }
  return seats
}

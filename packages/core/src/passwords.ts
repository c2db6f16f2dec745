import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const COST = { N: 16384, r: 8, p: 1 }
const SALT_BYTES = 16
const KEY_BYTES = 64
const MAX_MEMORY_BYTES = 64 * 1024 * 1024

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await derive(password, salt, KEY_BYTES, COST)
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$')
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parse(encoded)
  if (!parsed) return false
  try {
    const actual = await derive(password, parsed.salt, parsed.hash.length, parsed.cost)
    return timingSafeEqual(actual, parsed.hash)
  } catch {
    return false
  }
}

let dummyHash: Promise<string> | undefined

// Checked against when the email is unknown, so that answer takes as long as a wrong password.
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(32).toString('hex'))
  return dummyHash
}

export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, await dummyPasswordHash())
  return false
}

function derive(password: string, salt: Buffer, keylen: number, cost: ScryptOptions): Promise<Buffer> {
  const maxmem = 256 * (cost.N ?? 0) * (cost.r ?? 0)
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, { ...cost, maxmem }, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

// Bounds keep a corrupted or hostile stored hash from demanding unbounded memory or time.
function parse(encoded: unknown) {
  if (typeof encoded !== 'string') return undefined
  const [scheme, n, r, p, salt, hash, ...rest] = encoded.split('$')
  if (scheme !== 'scrypt' || rest.length > 0 || !salt || !hash) return undefined
  const cost = { N: Number(n), r: Number(r), p: Number(p) }
  if (!inRange(cost.N, 2, 2 ** 20) || (cost.N & (cost.N - 1)) !== 0) return undefined
  if (!inRange(cost.r, 1, 32) || !inRange(cost.p, 1, 4) || 128 * cost.N * cost.r > MAX_MEMORY_BYTES) return undefined
  const saltBytes = Buffer.from(salt, 'base64')
  const hashBytes = Buffer.from(hash, 'base64')
  if (saltBytes.length === 0 || hashBytes.length < 16 || hashBytes.length > 128) return undefined
  return { cost, salt: saltBytes, hash: hashBytes }
}

function inRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max
}

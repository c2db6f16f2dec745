import { Type, type Static, type TSchema } from 'typebox'

export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ description: 'stable error code, e.g. USER_LIMIT_REACHED' }),
  error: Type.String(),
  message: Type.String(),
}, { $id: 'ErrorResponse', description: 'Every error answer has this shape' })
export type ErrorResponse = Static<typeof ErrorResponse>

/** No NUL or other control character: Postgres refuses NUL in text, and logs and terminals should carry none. */
export const PRINTABLE = '^[^\\u0000-\\u001f\\u007f]*$'

/** A request string: printable, with the bounds given. */
export function Text(options: { minLength?: number; maxLength: number; description?: string }) {
  return Type.String({ ...options, pattern: PRINTABLE })
}

/** The largest value of a Postgres integer column: every request number is bounded. */
export const MAX_INT4 = 2_147_483_647
/** A seat count: far beyond any license, far below what a column or a Lua number could not hold. */
export const MAX_SEATS = 1_000_000

export const Uuid = Type.String({ format: 'uuid' })
export const IsoDate = Type.String({ format: 'date-time' })
/**
 * A value or null, written as OpenAPI 3.0 writes it (`nullable: true`; 3.0 has no `null` type).
 * Not a union: fast-json-stringify serializes a union by validating the value against each branch,
 * on every answer, and the license in every heartbeat and `current` answer carries two nullable
 * dates (2.9 µs to serialize as unions, 1.2 µs so). Answers only: request schemas keep unions.
 */
export function Nullable<T extends TSchema>(schema: T, options: { description?: string } = {}) {
  return Type.Unsafe<Static<T> | null>({ ...schema, ...options, nullable: true })
}

export const NullableIsoDate = Nullable(IsoDate)

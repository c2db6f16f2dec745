const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** An id that can name a row: Postgres refuses anything else as a uuid, so it names nothing. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value)
}

import Table from 'cli-table3'

export type Column<T> = [header: string, value: (row: T) => unknown]

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '-'
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** Rows as a readable table (headers first); no colours, so it reads the same in a pipe or a log. */
export function table<T>(rows: T[], columns: Column<T>[]): string {
  const out = new Table({ head: columns.map(([header]) => header), style: { head: [], border: [], compact: true } })
  for (const row of rows) out.push(columns.map(([, value]) => cell(value(row))))
  return rows.length === 0 ? `${out.toString()}\n(none)` : out.toString()
}

/** One record as a two-column table of its fields. */
export function record(fields: Record<string, unknown>): string {
  const out = new Table({ style: { head: [], border: [], compact: true } })
  for (const [key, value] of Object.entries(fields)) out.push({ [key]: cell(value) })
  return out.toString()
}

export interface Printer {
  json: boolean
  /** Exactly one JSON document with --json; otherwise the readable form. */
  result: (data: unknown, readable: () => string) => void
  /** One line of a stream (events --follow): a JSON document per line with --json. */
  line: (data: unknown, readable: () => string) => void
}

export function printer(json: boolean): Printer {
  return {
    json,
    result: (data, readable) => { process.stdout.write(`${json ? JSON.stringify(data, null, 2) : readable()}\n`) },
    line: (data, readable) => { process.stdout.write(`${json ? JSON.stringify(data) : readable()}\n`) },
  }
}

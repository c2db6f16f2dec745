import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import { loggerOptions } from '@license-hub/config'

export interface CapturedLog {
  logger: Logger
  /** Every line written so far, parsed. */
  lines: Array<Record<string, unknown> & { msg?: string; level?: number }>
  /** Lines whose message is exactly `msg`. */
  withMessage(msg: string): Array<Record<string, unknown>>
  /** The raw text written so far (to check that a secret never appears). */
  text(): string
}

/** A pino logger with the production options (redaction included) writing into memory. */
export function captureLog(name = 'test', level = 'debug'): CapturedLog {
  const lines: CapturedLog['lines'] = []
  let raw = ''
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString()
      raw += text
      for (const line of text.split('\n')) if (line.trim()) lines.push(JSON.parse(line))
      done()
    },
  })
  const logger = pino({ ...loggerOptions(level, name), transport: undefined }, stream)
  return { logger, lines, withMessage: (msg) => lines.filter((l) => l.msg === msg), text: () => raw }
}

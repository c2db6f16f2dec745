import { pino, type Logger, type LoggerOptions } from 'pino'

export type { Logger }

/** Paths whose values never reach a log line: credentials, tokens and keys. */
export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-internal-api-key"]', 'req.headers["sec-websocket-protocol"]',
  'headers.authorization', 'headers["x-internal-api-key"]',
  'password', 'token', 'apiKey', 'privateKey', 'jwtSecret', 'secret', 'passwordHash',
  '*.password', '*.token', '*.apiKey', '*.privateKey', '*.jwtSecret', '*.secret', '*.passwordHash',
  '*.licensePrivateKey', '*.adminPassword', 'config.licenseServer.apiKey',
]

/** Drops secrets from a URL's query string (the extension sends its JWT as ?token=). */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token|apiKey|api_key)=)[^&#]*/gi, '$1[Redacted]')
}

export function loggerOptions(level: string, name: string): LoggerOptions {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production'
  return {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    serializers: {
      req: (req: { id?: string; method?: string; url?: string; ip?: string }) =>
        ({ id: req.id, method: req.method, url: redactUrl(req.url ?? ''), remoteAddress: req.ip }),
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  }
}

/**
 * JSON lines in production and pipes, pretty in a terminal. In production the lines go out
 * through pino's asynchronous destination (buffered, written off the request's path; pino
 * flushes it when the process exits).
 */
export function createLogger(level: string, name: string): Logger {
  const options = loggerOptions(level, name)
  if (process.env.NODE_ENV === 'production' && !options.transport) {
    return pino(options, pino.destination({ dest: 1, sync: false }))
  }
  return pino(options)
}

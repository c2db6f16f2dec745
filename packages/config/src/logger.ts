import { pino, type Logger, type LoggerOptions } from 'pino'

export type { Logger }

/** Names that hold a credential, a token or a key wherever they appear in a log line's object. */
const SECRET_KEYS = ['password', 'token', 'apiKey', 'privateKey', 'jwtSecret', 'secret', 'passwordHash', 'licensePrivateKey', 'adminPassword']
/**
 * The keys under which this service logs objects (errors, job results, users, config, bodies): their
 * secrets are redacted one level down. Named, not `*.password`: pino runs a wildcard-first path's
 * redactor on every key of every line (about 6 µs a line with these names); a named key's only
 * when the line has that key.
 */
export const NESTED_SECRET_PARENTS = ['err', 'cause', 'result', 'user', 'config', 'body', 'query', 'params', 'data']

/** Paths whose values never reach a log line: credentials, tokens and keys. */
export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-internal-api-key"]', 'req.headers["sec-websocket-protocol"]',
  'headers.authorization', 'headers["x-internal-api-key"]', 'config.licenseServer.apiKey',
  ...SECRET_KEYS,
  ...NESTED_SECRET_PARENTS.flatMap((parent) => SECRET_KEYS.map((key) => `${parent}.${key}`)),
]

const SECRET_PARAMS = new Set(['token', 'access_token', 'apikey', 'api_key'])
/** Paths whose query string never reaches a log: the extension sends its JWT there. */
/** A JWT under any parameter name: its header always starts `{"` (base64url `eyJ`). */
const JWT_LIKE = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/
const QUERY_NEVER_LOGGED = new Set(['/ws/license'])

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

/**
 * Drops secrets from a URL's query string, however the parameter's name is encoded (`%74oken`);
 * the query of /ws/license is dropped whole.
 */
export function redactUrl(url: string): string {
  const at = url.indexOf('?')
  if (at < 0) return url
  const path = url.slice(0, at)
  if (QUERY_NEVER_LOGGED.has(decoded(path).replace(/\/+$/, ''))) return `${path}?[Redacted]`
  const query = url.slice(at + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=')
    const name = eq < 0 ? pair : pair.slice(0, eq)
    const value = eq < 0 ? '' : decoded(pair.slice(eq + 1))
    const secret = SECRET_PARAMS.has(decoded(name).trim().toLowerCase()) || JWT_LIKE.test(value.trim())
    return secret ? `${name}=[Redacted]` : pair
  })
  return `${path}?${query.join('&')}`
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

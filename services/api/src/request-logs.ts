import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify'
import { levels, type Bindings, type ChildLoggerOptions } from 'pino'

/**
 * The extension's heartbeat (every SESSION_HEARTBEAT_SEC from every extension), its read of the
 * license in force (at every start, reconnect and license event, from every extension at once)
 * and the balancer's probes.
 */
const QUIET = new Set(['POST /api/licenses/validate-session', 'GET /api/licenses/current', 'GET /health', 'GET /ready'])

/**
 * Whether a request's lines are quiet, decided once per route: a quiet route's requests get their
 * logger from `quietRequestLogger` (see `markQuietRoutes`), so no request looks its route up. By
 * the route's pattern, so a query string or a trailing slash changes nothing.
 */
const isQuiet = (request: FastifyRequest) => (request.log as unknown as { quiet?: boolean }).quiet === true

/** Whether `log` writes debug lines: checked first, so a quiet request builds no line it would drop. */
const debugOn = (log: FastifyBaseLogger) => (levels.values[log.level] ?? Infinity) <= levels.values.debug!

/**
 * Fastify's request lines ("incoming request", "request completed") at info, but the QUIET routes'
 * at debug: at 30-second heartbeats an info log would otherwise be mostly heartbeats (the
 * contract's Logs section). A refused heartbeat still logs its own line at info;
 * errors and 4xx answers keep their levels.
 */
export class RequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (isQuiet(request)) {
      if (debugOn(request.log) && !this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request')
      return
    }
    super.incomingRequest(request, reply, metadata)
  }

  override requestCompleted(
    error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>
  ): void {
    if (!error && reply.statusCode < 400 && isQuiet(request)) {
      if (debugOn(reply.log) && !this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
      return
    }
    super.requestCompleted(error, request, reply, metadata)
  }
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type Write = (...args: unknown[]) => void

/**
 * A request's logger, which becomes a pino child (the request id bound) only when it first writes.
 * Most requests (a heartbeat, a probe) write nothing at the default level, and binding a child costs
 * a pass of pino's redaction over the bindings on every request. Lines, levels and bindings are
 * those of the child Fastify would have made.
 */
class RequestLogger {
  private bound: FastifyBaseLogger | undefined

  constructor(
    private readonly parent: FastifyBaseLogger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions,
    /** The request's route is one of QUIET's: its request lines are debug lines. */
    readonly quiet: boolean
  ) {}

  get level(): string { return this.bound?.level ?? this.options.level ?? this.parent.level }
  set level(level: string) { this.own().level = level }

  fatal(...args: unknown[]): void { this.write('fatal', args) }
  error(...args: unknown[]): void { this.write('error', args) }
  warn(...args: unknown[]): void { this.write('warn', args) }
  info(...args: unknown[]): void { this.write('info', args) }
  debug(...args: unknown[]): void { this.write('debug', args) }
  trace(...args: unknown[]): void { this.write('trace', args) }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.own().child(bindings, options)
  }

  private own(): FastifyBaseLogger {
    return (this.bound ??= this.parent.child(this.bindings, this.options))
  }

  private write(level: Level, args: unknown[]): void {
    if ((levels.values[this.level] ?? Infinity) > levels.values[level]!) return
    const logger = this.own()
    ;(logger[level] as Write).apply(logger, args)
  }
}

/** Fastify's `childLoggerFactory`. */
export const requestLogger = (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger =>
  new RequestLogger(logger, bindings, options, false) as unknown as FastifyBaseLogger

const quietRequestLogger = (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger =>
  new RequestLogger(logger, bindings, options, true) as unknown as FastifyBaseLogger

/** An `onRoute` hook: the QUIET routes' requests get quiet loggers. Add it before any route. */
export function markQuietRoutes(route: RouteOptions): void {
  if (typeof route.method === 'string' && QUIET.has(`${route.method} ${route.url}`)) route.childLoggerFactory = quietRequestLogger
}

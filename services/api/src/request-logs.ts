import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/** The extension's heartbeat (every SESSION_HEARTBEAT_SEC from every extension) and the balancer's probes. */
const QUIET = new Set(['POST /api/licenses/validate-session', 'GET /health', 'GET /ready'])

const isHeartbeat = (request: FastifyRequest) => QUIET.has(`${request.method} ${request.url.split('?')[0]}`)

/**
 * Fastify's request lines ("incoming request", "request completed") at info, but a heartbeat's and
 * a health probe's at debug: at 30-second heartbeats an info log would otherwise be mostly
 * heartbeats (the contract's Logs section). A refused heartbeat still logs its own line at info;
 * errors and 4xx answers keep their levels.
 */
export class RequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (isHeartbeat(request)) {
      if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request')
      return
    }
    super.incomingRequest(request, reply, metadata)
  }

  override requestCompleted(
    error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>
  ): void {
    if (!error && reply.statusCode < 400 && isHeartbeat(request)) {
      if (!this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
      return
    }
    super.requestCompleted(error, request, reply, metadata)
  }
}

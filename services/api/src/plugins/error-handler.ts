import type { Socket } from 'node:net'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify'
import { AppError, ERRORS, RETRY_AFTER_SEC, STATUS_TEXT, isDependencyFault, type ErrorCode } from '@license-hub/contract'

export function errorBody(statusCode: number, code: string, message: string) {
  return { statusCode, code, error: STATUS_TEXT[statusCode] ?? 'Error', message }
}

/** Fastify's own refusals, by its error code, in the contract's words. */
const FRAMEWORK: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_ERROR',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_ERROR',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_ERROR',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_ERR_BAD_URL: 'VALIDATION_ERROR',
}

/** `body.email must match pattern …`, naming the field, also for a missing or an unexpected one. */
function validationMessage(where: string, first: FastifySchemaValidationError | undefined): string {
  const params = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string }
  const path = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : ''
  const child = params.missingProperty ?? params.additionalProperty
  const field = [path, child].filter(Boolean).join('.')
  if (params.additionalProperty !== undefined) return `${where}.${field} is not allowed`
  return `${where}${field ? `.${field}` : ''} ${first?.message ?? 'is invalid'}`
}

/** Postgres refusing a value (class 22, data exception) is bad input that got past a schema: a 400, not a 500. */
function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)
}

function send(reply: FastifyReply, code: ErrorCode, message?: string) {
  const { status } = ERRORS[code]
  return reply.status(status).send(errorBody(status, code, message ?? ERRORS[code].message))
}

export function handleError(err: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    if (err.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_SEC)
    return reply.status(err.statusCode).send(errorBody(err.statusCode, err.code, err.message))
  }
  if (isDependencyFault(err)) {
    // Postgres or Redis away: the client retries; the node recovers by itself when they return.
    request.log.warn({ err, code: 'SERVICE_UNAVAILABLE' }, 'dependency unavailable')
    reply.header('retry-after', RETRY_AFTER_SEC)
    return send(reply, 'SERVICE_UNAVAILABLE')
  }
  if (err.validation) return send(reply, 'VALIDATION_ERROR', validationMessage(err.validationContext ?? 'body', err.validation[0]))
  const known = err.code ? FRAMEWORK[err.code] : undefined
  if (known) return send(reply, known, known === 'VALIDATION_ERROR' ? err.message : undefined)
  if (isDataException(err)) {
    request.log.warn({ err }, 'input refused by Postgres')
    return send(reply, 'VALIDATION_ERROR', 'A value in the request cannot be stored')
  }
  const status = err.statusCode ?? 500
  if (status >= 500) {
    request.log.error({ err }, 'request failed')
    return send(reply, status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR')
  }
  // Any other 4xx of Fastify's keeps its status, in the contract's shape.
  return reply.status(status).send(errorBody(status, status === 400 ? 'VALIDATION_ERROR' : 'BAD_REQUEST', err.message))
}

/** Node's parser refusals that have a code of their own in the catalogue. */
const NODE_REFUSALS: Record<string, ErrorCode> = { HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE', HPE_URI_TOO_LONG: 'URI_TOO_LONG' }

/** What Node refuses before Fastify has a request (headers or URL too large, garbage), in the contract's shape. */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const code: ErrorCode = NODE_REFUSALS[err.code ?? ''] ?? 'VALIDATION_ERROR'
  const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
  const status = timedOut ? 408 : ERRORS[code].status
  const message = timedOut ? 'Request timeout' : code === 'VALIDATION_ERROR' ? 'Malformed HTTP request' : ERRORS[code].message
  const payload = JSON.stringify(errorBody(status, timedOut ? 'REQUEST_TIMEOUT' : code, message))
  this.log.debug({ code: err.code }, 'client error')
  if (socket.writable) {
    const head = [
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`, `Content-Length: ${Buffer.byteLength(payload)}`,
      'Content-Type: application/json; charset=utf-8', 'Connection: close',
    ]
    socket.write(`${head.join('\r\n')}\r\n\r\n${payload}`)
  }
  socket.destroy()
}

/** Errors Fastify meets before routing (a URL it cannot decode, a parameter over its length). */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  handleError(err, request, reply)
}

/** One root error handler: every error leaves in the contract's shape; 5xx causes are logged, never sent. */
export default fp(async (app) => {
  app.setErrorHandler(handleError)
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody(404, 'NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`))
  })
}, { name: 'error-handler' })

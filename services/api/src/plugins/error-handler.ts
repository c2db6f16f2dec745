import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { AppError, ERRORS, STATUS_TEXT, type ErrorCode } from '@license-hub/contract'

function body(statusCode: number, code: string, message: string) {
  return { statusCode, code, error: STATUS_TEXT[statusCode] ?? 'Error', message }
}

/** One root error handler: every error leaves in the contract's shape; 5xx causes are logged, never sent. */
export default fp(async (app) => {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) return reply.status(err.statusCode).send(body(err.statusCode, err.code, err.message))
    if (err.validation) {
      const first = err.validation[0]
      const field = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : (first?.params as { requiredProperties?: string[]; missingProperty?: string } | undefined)?.requiredProperties?.[0] ?? (first?.params as { missingProperty?: string } | undefined)?.missingProperty
      const where = err.validationContext ?? 'body'
      return reply.status(400).send(body(400, 'VALIDATION_ERROR', `${where}${field ? `.${field}` : ''} ${first?.message ?? 'is invalid'}`))
    }
    const status = err.statusCode ?? 500
    if (status >= 500) {
      request.log.error({ err }, 'request failed')
      return reply.status(status).send(body(status, status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR', ERRORS[status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR'].message))
    }
    // Fastify's own 4xx (malformed JSON, wrong content type, body too large) keep their status.
    const code: ErrorCode | string = status === 400 ? 'VALIDATION_ERROR' : (err.code ?? 'BAD_REQUEST')
    return reply.status(status).send(body(status, code, err.message))
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(body(404, 'NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`))
  })
}, { name: 'error-handler' })

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError, ErrorResponse, WsStats } from '@license-hub/contract'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/stats', {
    preHandler: app.requireAdmin,
    schema: {
      tags: ['realtime'],
      summary: 'WebSocket connections of the caller\'s tenant over every api node',
      description: 'Each api node keeps its counts in Redis, refreshed every few seconds and on every connect and disconnect; a node that stops refreshing drops out within 30 seconds.',
      response: { 200: WsStats, 401: ErrorResponse, 403: ErrorResponse, 503: ErrorResponse },
    },
  }, async (request) => {
    try {
      return await app.wsHub.tenantStats(request.user.tenantId)
    } catch (err) {
      request.log.warn({ err }, 'WebSocket stats unavailable')
      throw new AppError('SERVICE_UNAVAILABLE')
    }
  })
}

export default routes

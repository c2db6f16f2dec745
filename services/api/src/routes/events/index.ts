import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorResponse, EventHistoryPage, EventHistoryQuery } from '@license-hub/contract'
import { eventHistory } from '@license-hub/licensing'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  // Authenticated before validation, so an anonymous caller learns nothing about the query's shape.
  app.addHook('onRequest', app.requireAdmin)

  app.get('/', {
    schema: {
      tags: ['events'],
      summary: 'The event history of the caller\'s tenant (admin)',
      description: 'The tenant\'s events after `after` (exclusive), oldest first, each exactly as the WebSocket sent it (same `id`). '
        + 'Page on by passing `next` as `after` until `next` is null. Events older than EVENT_RETENTION_DAYS are deleted once a day.',
      querystring: EventHistoryQuery,
      response: { 200: EventHistoryPage, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
    },
  }, async (request) => eventHistory(app.licensing, request.user.tenantId, request.query) as Promise<EventHistoryPage>)
}

export default routes

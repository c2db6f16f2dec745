import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { CreateUserBody, ErrorResponse, UserView } from '@license-hub/contract'
import { createAccount, tenantUsers, userView } from '@license-hub/licensing'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  // Authenticated before validation, so an anonymous caller learns nothing about the body's shape.
  app.addHook('onRequest', app.requireAdmin)

  app.post('/', {
    schema: {
      tags: ['users'],
      summary: 'Create a user in the caller\'s tenant (admin)',
      description: 'Email is unique across the installation, compared case-insensitively: a duplicate is 409 CONFLICT. No password or hash is ever returned.',
      body: CreateUserBody,
      response: { 201: UserView, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse },
    },
  }, async (request, reply) => {
    const user = await createAccount(app.db, { ...request.body, tenantId: request.user.tenantId })
    request.log.info({ tenantId: user.tenantId, userId: request.user.id, createdUserId: user.id, role: user.role }, 'user created')
    return reply.status(201).send(userView(user))
  })

  app.get('/', {
    schema: {
      tags: ['users'],
      summary: 'The users of the caller\'s tenant (admin)',
      response: { 200: Type.Array(UserView), 401: ErrorResponse, 403: ErrorResponse },
    },
  }, async (request) => tenantUsers(app.db, request.user.tenantId))
}

export default routes

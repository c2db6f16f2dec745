import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  ActiveSession, CreateSessionBody, ErrorResponse, SessionCount, SessionEnded, SessionGrant, SessionIdBody, SessionValidation,
} from '@license-hub/contract'
import { createSession, endSession, listActiveSessions, sessionCount, validateSession } from '@license-hub/licensing'

const Refusals = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse }

/** The extension's seat: create, heartbeat (validate), end; and the counts. Mounted under /api/licenses. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const ctx = app.licensing

  app.post('/create-session', {
    onRequest: app.authenticate,
    schema: {
      tags: ['sessions'],
      summary: 'Take a WebRTC seat for this device',
      description: 'Atomic across every api node: never more live seats than the allocation in force. 201 with a new seat; 200 with the existing seat when this device already holds it. Another device of the same user: 409 CONCURRENT_SESSION, unless `force: true`, which ends that session (reason forced; its device gets session_ended) and moves the seat here. Refusals, first failure wins: LICENSE_NOT_FOUND, LICENSE_INACTIVE, LICENSE_EXPIRED, FEATURE_NOT_LICENSED, NO_ALLOCATION, USER_NOT_ALLOCATED, then CONCURRENT_SESSION or USER_LIMIT_REACHED. A seat lapses after SESSION_LEASE_SEC without a heartbeat.',
      body: CreateSessionBody,
      response: { 200: SessionGrant, 201: SessionGrant, ...Refusals },
    },
  }, async (request, reply) => {
    const { created, ...grant } = await createSession(ctx, request.user, request.body)
    return reply.status(created ? 201 : 200).send(grant)
  })

  app.post('/validate-session', {
    onRequest: app.authenticate,
    schema: {
      tags: ['sessions'],
      summary: 'Heartbeat: check and extend the caller\'s seat',
      description: 'Call every heartbeatIntervalSec. Extends the lease and records it in Postgres; never applies the seat limit (a lowered allocation keeps live seats). `valid: false` with SESSION_NOT_FOUND for a session that is unknown, not the caller\'s, ended or lapsed; with the license or access code (LICENSE_EXPIRED, LICENSE_INACTIVE, FEATURE_NOT_LICENSED, NO_ALLOCATION, USER_NOT_ALLOCATED, LICENSE_NOT_FOUND) when the seat was ended because that check now fails.',
      body: SessionIdBody,
      response: { 200: SessionValidation, 400: ErrorResponse, 401: ErrorResponse },
    },
  }, async (request) => validateSession(ctx, request.user, request.body.sessionId))

  app.post('/end-session', {
    onRequest: app.authenticate,
    schema: {
      tags: ['sessions'],
      summary: 'Give the seat back (logout)',
      description: 'Ending an already ended session answers 200 too. The session\'s own user ends it (reason logout); an admin of its tenant may end anyone\'s (reason revoked, the user\'s device gets session_ended). A session of another user (for a non-admin) or of another tenant: 404 SESSION_NOT_FOUND.',
      body: SessionIdBody,
      response: { 200: SessionEnded, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
    },
  }, async (request) => {
    await endSession(ctx, request.user, request.body.sessionId)
    return { ended: true as const }
  })

  app.get('/session-count', {
    onRequest: app.authenticate,
    schema: {
      tags: ['sessions'],
      summary: 'Live seats of the license in force',
      response: { 200: SessionCount, 401: ErrorResponse, 404: ErrorResponse },
    },
  }, async (request) => sessionCount(ctx, request.user.tenantId))

  app.get('/active-sessions', {
    onRequest: app.requireAdmin,
    schema: {
      tags: ['sessions'],
      summary: 'The live sessions counting against the license in force (admin)',
      response: { 200: Type.Array(ActiveSession), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
    },
  }, async (request) => listActiveSessions(ctx, request.user.tenantId))
}

export default routes

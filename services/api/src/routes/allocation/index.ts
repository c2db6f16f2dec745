import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  AllocationBody, AllocationResult, ErrorResponse, LicenseIdParams, LicenseUser, LicenseUserParams, UserWebrtcBody, WebrtcSessions,
} from '@license-hub/contract'
import { licenseSeats, licenseUsers, setAllocation, setUserWebrtcAccess } from '@license-hub/licensing'

const Errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse }

/** WebRTC allocation and per-user access of a license (admin, within the caller's tenant). Mounted under /api/licenses. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const ctx = app.licensing

  app.get('/:id/webrtc-sessions', {
    onRequest: app.requireAdmin,
    schema: {
      tags: ['allocation'],
      summary: 'Allocation in force and live seats of a license (admin)',
      description: 'A license of another tenant answers 404.',
      params: LicenseIdParams,
      response: { 200: WebrtcSessions, ...Errors },
    },
  }, async (request) => {
    const seats = await licenseSeats(ctx, request.user.tenantId, request.params.id)
    return { webrtc_max_users: seats.webrtcMaxUsers, activeSessions: seats.activeSessions }
  })

  app.put('/:id/webrtc-allocation', {
    onRequest: app.requireAdmin,
    schema: {
      tags: ['allocation'],
      summary: 'Set the admin\'s WebRTC allocation of a license (admin)',
      description: '0 ≤ webrtcMaxUsers ≤ the license\'s max_users (else 400). The allocation in force is the smaller of this and the license server\'s. Lowering it below the live count keeps the live seats, refuses new ones (USER_LIMIT_REACHED) and publishes usage_limit_exceeded; 0 means NO_ALLOCATION (a heartbeat then ends the seat, reason allocation).',
      params: LicenseIdParams,
      body: AllocationBody,
      response: { 200: AllocationResult, ...Errors },
    },
  }, async (request) => setAllocation(ctx, request.user.tenantId, request.params.id, request.body.webrtcMaxUsers))

  app.get('/:id/users', {
    onRequest: app.requireAdmin,
    schema: {
      tags: ['allocation'],
      summary: 'The tenant\'s users with their WebRTC access and whether they hold a live seat on this license (admin)',
      params: LicenseIdParams,
      response: { 200: Type.Array(LicenseUser), ...Errors },
    },
  }, async (request) => licenseUsers(ctx, request.user.tenantId, request.params.id))

  app.put('/:id/users/:userId/webrtc', {
    onRequest: app.requireAdmin,
    schema: {
      tags: ['allocation'],
      summary: 'Turn a user\'s WebRTC access on or off (admin)',
      description: 'Off ends the user\'s live session (reason revoked; their device gets session_ended) and refuses new ones with USER_NOT_ALLOCATED. A user or license of another tenant answers 404.',
      params: LicenseUserParams,
      body: UserWebrtcBody,
      response: { 200: LicenseUser, ...Errors },
    },
  }, async (request) => setUserWebrtcAccess(ctx, request.user.tenantId, request.params.id, request.params.userId, request.body.enabled))
}

export default routes

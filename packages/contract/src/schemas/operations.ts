import { Type, type Static } from 'typebox'

/** GET /health. */
export const Health = Type.Object({ status: Type.String() }, { description: 'The process is up' })
export type Health = Static<typeof Health>

/** GET /ready: 200 when both answer and the node is not draining, else 503 with the same shape. */
export const Readiness = Type.Object({
  status: Type.String({ description: 'ok, unavailable (a dependency is down) or draining (SIGTERM arrived)' }),
  postgres: Type.String({ description: 'up or down' }),
  redis: Type.String({ description: 'up or down' }),
})
export type Readiness = Static<typeof Readiness>

/** GET /api/ws/stats, the seed's shape, disclosing only the caller's tenant. */
export const WsStats = Type.Object({
  totalTenants: Type.Integer({ description: '1 when the caller\'s tenant has a connection, else 0: other tenants are not disclosed' }),
  totalConnections: Type.Integer({ description: 'the tenant\'s open WebSocket connections over every api node' }),
  tenantConnections: Type.Record(Type.String(), Type.Integer(), { description: 'the caller\'s tenant id → its connections' }),
}, { description: 'WebSocket connections of the caller\'s tenant over all api nodes (the seed\'s shape)' })
export type WsStats = Static<typeof WsStats>

/** POST /api/licenses/sync. */
export const SyncResult = Type.Object({
  source: Type.Union([Type.Literal('external'), Type.Literal('local')], { description: 'where the caller\'s license in force comes from after the sync' }),
  licensesSynced: Type.Integer({ description: 'external licenses matching a tenant fingerprint that the server listed and we stored' }),
  changed: Type.Integer({ description: 'licenses created, changed or withdrawn by this sync (0 when the server said nothing new)' }),
  durationMs: Type.Integer({ description: 'how long the sync took in the worker' }),
  status: Type.Union([Type.Literal('synced'), Type.Literal('no-license'), Type.Literal('local-mode')], {
    description: 'synced: the server answered; no-license: it answered 404, so its licenses were withdrawn and local licenses apply; '
      + 'local-mode: no LICENSE_MGMT_API_URL is configured, nothing was synced',
  }),
}, { description: 'The outcome of the sync' })
export type SyncResult = Static<typeof SyncResult>

/** The query of GET /ws/license. */
export const WsConnectionQuery = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 8192, description: 'the JWT, as the extension sends it' })),
  lastEventId: Type.Optional(Type.String({ maxLength: 40, description: 'id of the last event received: the missed ones are replayed first' })),
})
export type WsConnectionQuery = Static<typeof WsConnectionQuery>

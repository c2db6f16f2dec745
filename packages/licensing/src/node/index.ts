import type { Config } from '@license-hub/config'
import { LastSeenWriter } from './last-seen.js'
import { NodeLicenseCache } from './license-cache.js'
import type { LicensingContext } from '../context.js'

export { LastSeenWriter } from './last-seen.js'
export { NodeLicenseCache } from './license-cache.js'

/** What an api node keeps in memory so a heartbeat is answered from Redis alone. */
export interface NodeState {
  licenses: NodeLicenseCache
  lastSeen: LastSeenWriter
}

/** Buffers at most this many sessions' heartbeats (past it they are written at once). */
export const LAST_SEEN_MAX_SESSIONS = 200_000

/** How long this node trusts its copy of a license without an event (events drop it at once). */
export const NODE_LICENSE_TTL_MS = 60_000

export function createNodeState(ctx: Pick<LicensingContext, 'db' | 'log' | 'now'> & { config: Pick<Config, 'sessionHeartbeatSec'> }): NodeState {
  return {
    licenses: new NodeLicenseCache(NODE_LICENSE_TTL_MS, () => ctx.now().getTime()),
    lastSeen: new LastSeenWriter(ctx, {
      flushEveryMs: Math.max(100, Math.floor(ctx.config.sessionHeartbeatSec * 1000 / 3)), maxSessions: LAST_SEEN_MAX_SESSIONS,
    }),
  }
}

/**
 * An event this node received on its subscription: every event but a session's end may follow
 * a license change (sync, allocation, generate, expiry), so the tenant's license is read afresh.
 */
export function dropOnEvent(node: NodeState | undefined, event: { type: string; tenantId: string }): void {
  if (!node || event.type === 'session_ended') return
  node.licenses.drop(event.tenantId)
}

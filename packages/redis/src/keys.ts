/**
 * Every Redis key and channel, in one place. Keys of one tenant share the hash tag `{tenantId}`
 * so a Lua script touching several of them stays valid on Redis Cluster. The prefix isolates
 * deployments sharing a Redis (and test files sharing the harness's server).
 */
export function redisKeys(prefix = 'lh:') {
  const tenant = (tenantId: string) => `${prefix}{${tenantId}}`
  return {
    prefix,
    /** The resolved license of a tenant (JSON, 5-minute TTL). */
    licenseCache: (tenantId: string) => `${tenant(tenantId)}:license`,
    /** Live seats of a license: sorted set of session ids scored by lease expiry (ms). */
    seats: (tenantId: string, licenseId: string) => `${tenant(tenantId)}:seats:${licenseId}`,
    /** Hash of a license's live seats: session id → JSON { userId, deviceId }. */
    seatOwners: (tenantId: string, licenseId: string) => `${tenant(tenantId)}:seat-owners:${licenseId}`,
    /**
     * Marks a license's seats as loaded from Postgres, holding the server's replication id (absent
     * or stale after a Redis restart, flush or failover).
     */
    seatsLoaded: (tenantId: string, licenseId: string) => `${tenant(tenantId)}:seats-loaded:${licenseId}`,
    /** Hash of a license's live seats by holder: user id → session id (one device per user). */
    seatUsers: (tenantId: string, licenseId: string) => `${tenant(tenantId)}:seat-users:${licenseId}`,
    /** Seats released while the seats were not loaded, so that a rebuild racing the release skips them (short TTL). */
    seatsReleased: (tenantId: string, licenseId: string) => `${tenant(tenantId)}:seats-released:${licenseId}`,
    /** Throttles a repeated usage notice of a license (SET NX with a short TTL). */
    usageNotice: (tenantId: string, licenseId: string, kind: string) => `${tenant(tenantId)}:usage-notice:${kind}:${licenseId}`,
    /** Bounded stream of a tenant's recent events, the fast path for replay. */
    eventStream: (tenantId: string) => `${tenant(tenantId)}:events`,
    /** Pub/sub channel every api node subscribes to on a single Redis; messages name their tenant. */
    eventsChannel: () => `${prefix}events`,
    /** On a Redis Cluster, one of the shard channels (sharded pub/sub) every api node subscribes to. */
    eventsShardChannel: (bucket: number) => `{${prefix}events:${bucket}}`,
    /** Per-node WebSocket connection counts, for /api/ws/stats over all nodes (one slot: `{ws}`). */
    wsNodes: () => `${prefix}{ws}:nodes`,
    wsNode: (nodeId: string) => `${prefix}{ws}:node:${nodeId}`,
    /** Key prefixes of the login rate limiters (failures per email and per address; addresses that proved an email's password). */
    loginLimiter: (kind: 'email' | 'ip' | 'proven') => `${prefix}login-fail:${kind}`,
    /**
     * BullMQ's own prefix (it must not share ioredis' keyPrefix). The hash tag keeps each queue's
     * keys (and BullMQ's multi-key scripts) on one Redis Cluster slot.
     */
    queuePrefix: () => `{${prefix}bull}`,
    /** Generic short-lived lock. */
    lock: (name: string) => `${prefix}lock:${name}`,
  }
}

export type RedisKeys = ReturnType<typeof redisKeys>

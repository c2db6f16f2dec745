import type { RedisClient } from './connection.js'
import type { RedisKeys } from './keys.js'

export interface TenantStats {
  totalTenants: number
  totalConnections: number
  tenantConnections: Record<string, number>
}

/**
 * Each api node keeps its per-tenant connection counts in a hash of its own, listed in a sorted set
 * scored by when the hash expires. A node that dies stops refreshing, and its counts age out.
 */
export function nodeStats(redis: RedisClient, keys: RedisKeys, nodeId: string, ttlMs: number) {
  const nodeKey = keys.wsNode(nodeId)
  const nodesKey = keys.wsNodes()
  // Redis faults are tolerated: the next refresh rewrites the whole hash.
  const quietly = (work: Promise<unknown>) => { work.catch(() => {}) }

  return {
    changed(tenantId: string, delta: number): void {
      quietly(redis.multi().hincrby(nodeKey, tenantId, delta).pexpire(nodeKey, ttlMs).zadd(nodesKey, Date.now() + ttlMs, nodeId).exec())
    },

    async refresh(counts: Map<string, number>): Promise<void> {
      const now = Date.now()
      const multi = redis.multi().del(nodeKey)
      if (counts.size > 0) multi.hset(nodeKey, Object.fromEntries(counts)).pexpire(nodeKey, ttlMs)
      await multi.zadd(nodesKey, now + ttlMs, nodeId).zremrangebyscore(nodesKey, '-inf', now).exec()
    },

    async remove(): Promise<void> {
      await redis.multi().del(nodeKey).zrem(nodesKey, nodeId).exec()
    },

    /** A tenant's connections over every live node, in the seed's shape. */
    async forTenant(tenantId: string): Promise<TenantStats> {
      const total = await tenantConnections(redis, keys, tenantId)
      return { totalTenants: total > 0 ? 1 : 0, totalConnections: total, tenantConnections: { [tenantId]: total } }
    },
  }
}

/** A tenant's open WebSocket connections over every live api node (the CLI's stats read it too). */
export async function tenantConnections(redis: RedisClient, keys: RedisKeys, tenantId: string): Promise<number> {
  const nodes = await redis.zrangebyscore(keys.wsNodes(), Date.now(), '+inf')
  if (nodes.length === 0) return 0
  const pipeline = redis.pipeline()
  for (const node of nodes) pipeline.hget(keys.wsNode(node), tenantId)
  const answers = (await pipeline.exec()) ?? []
  return answers.reduce((sum, [err, value]) => sum + (err ? 0 : Math.max(0, Number(value ?? 0))), 0)
}

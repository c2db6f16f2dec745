import { Counter, Gauge, register, type Metric } from 'prom-client'
import type { WsHub } from './hub.js'

/** Every hub of this process (one in production; several when tests run api nodes side by side). */
const hubs = new Set<WsHub>()
/** Hubs whose node lists tenant ids on /metrics (METRICS_TENANT_LABELS=true): tenant ids are not public. */
const labelled = new WeakSet<WsHub>()

// Figures of this node: Prometheus scrapes every node and sums them, as /api/ws/stats does.
const connections = new Gauge({
  name: 'license_hub_ws_connections',
  help: 'Open WebSocket connections on this api node',
  registers: [],
  collect() { this.set(sum((hub) => hub.size)) },
})
const tenants = new Gauge({
  name: 'license_hub_ws_tenants',
  help: 'Tenants with at least one WebSocket connection on this api node',
  registers: [],
  collect() { this.set(new Set([...hubs].flatMap((hub) => [...hub.tenants.keys()])).size) },
})
const tenantConnections = new Gauge({
  name: 'license_hub_ws_tenant_connections',
  help: 'Open WebSocket connections per tenant on this api node (only with METRICS_TENANT_LABELS=true)',
  labelNames: ['tenant_id'],
  registers: [],
  collect() {
    this.reset()
    for (const hub of hubs) {
      if (!labelled.has(hub)) continue
      for (const [tenantId, clients] of hub.tenants) this.inc({ tenant_id: tenantId }, clients.size)
    }
  },
})
const slowConsumers = new Counter({
  name: 'license_hub_ws_slow_consumers_total',
  help: 'WebSocket connections closed with 4000 because they did not read their messages',
  registers: [],
  collect() { this.reset(); this.inc(sum((hub) => hub.slowConsumers)) },
})

function sum(of: (hub: WsHub) => number): number {
  let total = 0
  for (const hub of hubs) total += of(hub)
  return total
}

/** Puts the hub's figures in prom-client's default registry (served at /metrics). */
export function trackHub(hub: WsHub, tenantLabels = false): () => void {
  hubs.add(hub)
  if (tenantLabels) labelled.add(hub)
  ensureRegistered()
  return () => { hubs.delete(hub) }
}

// Idempotent: another plugin may have cleared the registry, or built it after us.
export function ensureRegistered(): void {
  for (const metric of [connections, tenants, tenantConnections, slowConsumers] as Metric[]) {
    const name = (metric as unknown as { name: string }).name
    if (!register.getSingleMetric(name)) register.registerMetric(metric)
  }
}

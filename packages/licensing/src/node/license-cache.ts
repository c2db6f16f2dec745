import { deepFreeze } from '@license-hub/core'
import type { EffectiveLicense } from '../license-resolution.js'

/**
 * The license in force per tenant, held in this node's memory so a heartbeat needs no Redis GET
 * for it. Dropped for a tenant on every license event this node receives (and on every change
 * this node makes), dropped whole when the event subscription was lost, and kept at most `ttlMs`
 * in any case. A load that started before a drop is not kept, so a late answer cannot bring a
 * replaced license back. What it hands out is deeply frozen: every heartbeat and license read of the
 * tenant shares the one object, and the api writes its JSON once per object.
 */
export class NodeLicenseCache {
  private entries = new Map<string, { license: EffectiveLicense; until: number }>()
  private generations = new Map<string, number>()
  private epoch = 0

  constructor(private readonly ttlMs: number, private readonly clock: () => number = Date.now) {}

  get(tenantId: string): EffectiveLicense | undefined {
    const entry = this.entries.get(tenantId)
    if (!entry) return undefined
    if (entry.until <= this.clock()) {
      this.entries.delete(tenantId)
      return undefined
    }
    return entry.license
  }

  /** Loads through `load` unless cached; keeps the answer only if nothing dropped the tenant meanwhile. */
  async load(tenantId: string, load: () => Promise<EffectiveLicense>): Promise<EffectiveLicense> {
    const cached = this.get(tenantId)
    if (cached) return cached
    const generation = this.generation(tenantId)
    const license = deepFreeze(await load())
    if (generation === this.generation(tenantId)) this.entries.set(tenantId, { license, until: this.clock() + this.ttlMs })
    return license
  }

  drop(tenantId: string): void {
    this.entries.delete(tenantId)
    this.generations.set(tenantId, (this.generations.get(tenantId) ?? 0) + 1)
  }

  clear(): void {
    this.entries.clear()
    this.generations.clear()
    this.epoch++
  }

  private generation(tenantId: string): string {
    return `${this.epoch}:${this.generations.get(tenantId) ?? 0}`
  }
}

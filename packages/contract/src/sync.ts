/** What one expiry scan did: the worker's job result. */
export interface ExpiryScanOutcome {
  scanned: number
  /** license_expiring events published now (each license at most once per UTC day). */
  expiring: number
  /** license_expired events published now (each license once). */
  expired: number
}

/** What one external sync did: the worker's job result, from which POST /api/licenses/sync answers. */
export interface SyncOutcome {
  /** synced: the server answered; no-license: it answered 404; failed: nothing changed; local-mode: no server configured. */
  status: 'synced' | 'no-license' | 'failed' | 'local-mode'
  /** External licenses that match a tenant's fingerprint and were stored by this sync. */
  licensesSynced: number
  /** Licenses created, changed or withdrawn by this sync (a mere last_synced_at bump is no change). */
  changed: number
  withdrawn: number
  typesSynced: number
  eventsPublished: number
  /** Why the sync failed, safe to show an admin. */
  error?: { kind: string; message: string }
  durationMs: number
}

import { sql } from 'kysely'
import type { Db } from '../connection.js'
import type { NewServerLicense, ServerLicense, ServerLicenseUpdate, StoredLicense } from '../schema.js'

export async function insertLicense(db: Db, license: NewServerLicense): Promise<ServerLicense> {
  return db.insertInto('serverLicenses').values(license).returningAll().executeTakeFirstOrThrow()
}

export async function findLicense(db: Db, tenantId: string, id: string): Promise<ServerLicense | undefined> {
  return db.selectFrom('serverLicenses').selectAll().where('tenantId', '=', tenantId).where('id', '=', id).executeTakeFirst()
}

export async function listLicenses(db: Db, tenantId: string): Promise<ServerLicense[]> {
  return db.selectFrom('serverLicenses').selectAll().where('tenantId', '=', tenantId)
    .orderBy('source').orderBy('createdAt', 'desc').execute()
}

/** External copies of the tenant's licenses that have not been withdrawn, newest sync first (copies synced together by external id). */
export async function listExternalLicenses(db: Db, tenantId: string): Promise<ServerLicense[]> {
  return db.selectFrom('serverLicenses').selectAll().where('tenantId', '=', tenantId).where('source', '=', 'external')
    .where('withdrawnAt', 'is', null).orderBy('lastSyncedAt', 'desc').orderBy('externalId').execute()
}

export async function updateLicense(db: Db, tenantId: string, id: string, update: ServerLicenseUpdate): Promise<ServerLicense | undefined> {
  return db.updateTable('serverLicenses').set({ ...update, updatedAt: new Date() })
    .where('tenantId', '=', tenantId).where('id', '=', id).returningAll().executeTakeFirst()
}

/** The tenant's local licenses that have not been withdrawn, newest first. */
export async function listLocalLicenses(db: Db, tenantId: string): Promise<ServerLicense[]> {
  return db.selectFrom('serverLicenses').selectAll().where('tenantId', '=', tenantId).where('source', '=', 'local')
    .where('withdrawnAt', 'is', null).orderBy('issuedAt', 'desc').orderBy('createdAt', 'desc').execute()
}

/** External copies, still in force, whose last sync is at or before `cutoff`. */
export async function listLapsedExternalCopies(db: Db, cutoff: Date): Promise<Array<Pick<ServerLicense, 'id' | 'tenantId' | 'lastSyncedAt'>>> {
  return db.selectFrom('serverLicenses').select(['id', 'tenantId', 'lastSyncedAt'])
    .where('source', '=', 'external').where('withdrawnAt', 'is', null).where('lastSyncedAt', '<=', cutoff).execute()
}

/** Withdraws those of `ids` still lapsed at `cutoff` (a sync may have renewed one meanwhile); answers the ids withdrawn. */
export async function withdrawLapsedCopies(db: Db, ids: string[], cutoff: Date, now: Date): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await db.updateTable('serverLicenses').set({ withdrawnAt: now, updatedAt: now })
    .where('id', 'in', ids).where('withdrawnAt', 'is', null).where('lastSyncedAt', '<=', cutoff)
    .returning('id').execute()
  return rows.map((row) => row.id)
}

const STORED_COLUMNS = [
  'id', 'source', 'externalId', 'tenantId', 'organizationName', 'serverFingerprint', 'status', 'maxUsers', 'webrtcMaxUsers',
  'webrtcAllocation', 'licenseTypeId', 'features', 'signature', 'issuedAt', 'expiresAt', 'lastSyncedAt', 'withdrawnAt',
  'createdAt', 'updatedAt',
] as const satisfies ReadonlyArray<keyof StoredLicense>

/** The licenses (external and local) of these tenants that have not been withdrawn, in one query. */
export async function listLicensesInUse(db: Db, tenantIds: string[]): Promise<StoredLicense[]> {
  if (tenantIds.length === 0) return []
  return db.selectFrom('serverLicenses').select(STORED_COLUMNS).where('tenantId', '=', sql<string>`any(${tenantIds}::uuid[])`)
    .where('withdrawnAt', 'is', null).execute()
}

/**
 * What a sync reads, in one query: every external copy of every tenant, withdrawn ones included (a
 * sync may bring them back), with the raw answer it compares, and every local license in use, which
 * the license in force falls back to. One read of the 5,000 copies a sync compares and resolves,
 * where two read them (with different columns) beside its webrtc-sessions calls.
 */
export async function listLicensesForSync(db: Db): Promise<ServerLicense[]> {
  return db.selectFrom('serverLicenses').select([...STORED_COLUMNS, 'raw'])
    .where((eb) => eb.or([eb('source', '=', 'external'), eb('withdrawnAt', 'is', null)])).execute()
}

type ExternalCopyValues = Omit<NewServerLicense, 'webrtcAllocation' | 'id' | 'createdAt' | 'updatedAt'> & { source: 'external' }

/**
 * Writes what a sync decided for the external copies: `update` rewrites rows by id (keeping the
 * admin's allocation), `touch` only moves the last_synced_at of rows the server listed unchanged,
 * `insert` adds new copies (no admin allocation yet), `withdraw` marks rows as no longer offered.
 * Run it in the sync's transaction. Four statements at most, whatever the number of copies: the
 * copies travel as one JSON document that `jsonb_to_recordset` turns back into rows (one statement
 * per copy made a 5,000-license sync take seconds; a VALUES list would hit Postgres's 65,535-parameter
 * limit).
 */
export async function replaceExternalCopies(db: Db, plan: {
  update: Array<{ id: string; copy: ExternalCopyValues }>
  touch?: string[]
  insert: ExternalCopyValues[]
  withdraw: string[]
}, now: Date): Promise<void> {
  if (plan.touch && plan.touch.length > 0) {
    await db.updateTable('serverLicenses').set({ lastSyncedAt: now, updatedAt: now })
      .where('id', '=', sql<string>`any(${plan.touch}::uuid[])`).where('source', '=', 'external').execute()
  }
  if (plan.update.length > 0) {
    const rows = recordset(plan.update.map((u) => ({ ...u.copy, id: u.id })))
    await sql`
      update server_licenses as s set
        external_id = v.external_id, tenant_id = v.tenant_id, organization_name = v.organization_name,
        server_fingerprint = v.server_fingerprint, status = v.status, max_users = v.max_users,
        webrtc_max_users = v.webrtc_max_users, license_type_id = v.license_type_id, features = v.features,
        raw = v.raw, signature = null, issued_at = coalesce(v.issued_at, s.issued_at), expires_at = v.expires_at,
        last_synced_at = v.last_synced_at, withdrawn_at = null, updated_at = ${now}
      from jsonb_to_recordset(${rows}::jsonb) as v(id uuid, ${COPY_COLUMNS})
      where s.id = v.id and s.source = 'external'`.execute(db)
  }
  if (plan.insert.length > 0) {
    const rows = recordset(plan.insert)
    await sql`
      insert into server_licenses (source, external_id, tenant_id, organization_name, server_fingerprint, status, max_users,
        webrtc_max_users, webrtc_allocation, license_type_id, features, raw, signature, issued_at, expires_at, last_synced_at,
        withdrawn_at, created_at, updated_at)
      select 'external', v.external_id, v.tenant_id, v.organization_name, v.server_fingerprint, v.status, v.max_users,
        v.webrtc_max_users, null, v.license_type_id, v.features, v.raw, null, coalesce(v.issued_at, ${now}), v.expires_at,
        v.last_synced_at, null, ${now}, ${now}
      from jsonb_to_recordset(${rows}::jsonb) as v(${COPY_COLUMNS})`.execute(db)
  }
  if (plan.withdraw.length > 0) {
    await db.updateTable('serverLicenses').set({ withdrawnAt: now, updatedAt: now }).where('id', '=', sql<string>`any(${plan.withdraw}::uuid[])`).execute()
  }
}

/**
 * The columns of a copy in a sync's JSON document, as `jsonb_to_recordset` reads them back: the
 * document is parsed once into jsonb, and features and raw come out of it as jsonb (5,000 copies:
 * 130 ms in Postgres, where json_to_recordset, which parses each nested value again, took 180).
 */
const COPY_COLUMNS = sql.raw(`external_id text, tenant_id uuid, organization_name text, server_fingerprint text, status text,
  max_users int, webrtc_max_users int, license_type_id int, features jsonb, raw jsonb, issued_at timestamptz, expires_at timestamptz,
  last_synced_at timestamptz`)

/**
 * The copies as one JSON document, a row per copy. Features and raw answer, already JSON text (the
 * type of a jsonb column on insert), go in as they are, not as strings of JSON, so Postgres parses
 * each once, as part of the document, and no quote in them is escaped and unescaped on the way.
 * The rest is one native JSON.stringify a row: as array parameters, node-postgres escaped each raw
 * answer into an array literal, several times the work and the garbage.
 */
function recordset(copies: Array<ExternalCopyValues & { id?: string }>): string {
  // ISO text, so that no time zone of this process enters the document.
  const time = (value: Date | string | null | undefined) => (value == null ? null : new Date(value).toISOString())
  const rows = copies.map((c) => {
    const plain = JSON.stringify({
      id: c.id, external_id: c.externalId ?? null, tenant_id: c.tenantId, organization_name: c.organizationName,
      server_fingerprint: c.serverFingerprint, status: c.status, max_users: c.maxUsers, webrtc_max_users: c.webrtcMaxUsers,
      license_type_id: c.licenseTypeId, issued_at: time(c.issuedAt), expires_at: time(c.expiresAt), last_synced_at: time(c.lastSyncedAt),
    })
    return `${plain.slice(0, -1)},"features":${c.features ?? '{}'},"raw":${c.raw ?? 'null'}}`
  })
  return `[${rows.join(',')}]`
}

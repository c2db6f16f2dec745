import type { Db } from '../connection.js'
import type { NewServerLicense, ServerLicense, ServerLicenseUpdate } from '../schema.js'

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

/** External copies of the tenant's licenses that have not been withdrawn, newest sync first. */
export async function listExternalLicenses(db: Db, tenantId: string): Promise<ServerLicense[]> {
  return db.selectFrom('serverLicenses').selectAll().where('tenantId', '=', tenantId).where('source', '=', 'external')
    .where('withdrawnAt', 'is', null).orderBy('lastSyncedAt', 'desc').execute()
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

/** Every external copy of every tenant, withdrawn ones included (a sync may bring them back). */
export async function listExternalCopies(db: Db): Promise<ServerLicense[]> {
  return db.selectFrom('serverLicenses').selectAll().where('source', '=', 'external').execute()
}

type ExternalCopyValues = Omit<NewServerLicense, 'webrtcAllocation' | 'id' | 'createdAt' | 'updatedAt'> & { source: 'external' }

/**
 * Writes what a sync decided for the external copies: `update` rewrites rows by id (keeping the
 * admin's allocation), `insert` adds new copies (no admin allocation yet), `withdraw` marks rows as
 * no longer offered. Run it in the sync's transaction.
 */
export async function replaceExternalCopies(db: Db, plan: {
  update: Array<{ id: string; copy: ExternalCopyValues }>
  insert: ExternalCopyValues[]
  withdraw: string[]
}, now: Date): Promise<void> {
  for (const { id, copy } of plan.update) {
    await db.updateTable('serverLicenses').set({ ...copy, updatedAt: now }).where('id', '=', id).execute()
  }
  if (plan.insert.length > 0) {
    await db.insertInto('serverLicenses').values(plan.insert.map((copy) => ({ ...copy, webrtcAllocation: null }))).execute()
  }
  if (plan.withdraw.length > 0) {
    await db.updateTable('serverLicenses').set({ withdrawnAt: now, updatedAt: now }).where('id', 'in', plan.withdraw).execute()
  }
}

import { sql } from 'kysely'
import type { Db } from '../connection.js'
import type { Tenant } from '../schema.js'

export async function insertTenant(db: Db, tenant: { name: string; fingerprint: string; isDefault?: boolean }): Promise<Tenant> {
  return db.insertInto('tenants').values(tenant).returningAll().executeTakeFirstOrThrow()
}

export async function findTenant(db: Db, id: string): Promise<Tenant | undefined> {
  return db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findTenants(db: Db, ids: string[]): Promise<Tenant[]> {
  if (ids.length === 0) return []
  return db.selectFrom('tenants').selectAll().where('id', '=', sql<string>`any(${ids}::uuid[])`).execute()
}

export async function findDefaultTenant(db: Db): Promise<Tenant | undefined> {
  return db.selectFrom('tenants').selectAll().where('isDefault', '=', true).executeTakeFirst()
}

export async function listTenants(db: Db): Promise<Tenant[]> {
  return db.selectFrom('tenants').selectAll().orderBy('createdAt').execute()
}

export async function setTenantFingerprint(db: Db, id: string, fingerprint: string): Promise<void> {
  await db.updateTable('tenants').set({ fingerprint }).where('id', '=', id).execute()
}

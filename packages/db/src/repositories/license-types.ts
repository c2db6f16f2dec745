import type { Db } from '../connection.js'
import type { LicenseType } from '../schema.js'

export async function listLicenseTypes(db: Db): Promise<LicenseType[]> {
  return db.selectFrom('licenseTypes').selectAll().orderBy('id').execute()
}

export async function findLicenseType(db: Db, id: number): Promise<LicenseType | undefined> {
  return db.selectFrom('licenseTypes').selectAll().where('id', '=', id).executeTakeFirst()
}

export interface LicenseTypeInput { id: number; name: string; maxUsers: number; features: unknown; priceMonthly?: string | number }

/** Upserts the external server's types by id; the local Developer type is never replaced. */
export async function upsertExternalLicenseTypes(db: Db, types: LicenseTypeInput[], keepIds: number[]): Promise<number> {
  const rows = types.filter((t) => !keepIds.includes(t.id))
  for (const t of rows) {
    const values = { id: t.id, name: t.name, maxUsers: t.maxUsers, features: JSON.stringify(t.features ?? {}), priceMonthly: t.priceMonthly ?? 0, source: 'external' as const }
    await db.insertInto('licenseTypes').values(values)
      .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, updatedAt: new Date() })).execute()
  }
  return rows.length
}

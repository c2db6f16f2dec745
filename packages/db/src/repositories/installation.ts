import type { Db } from '../connection.js'

/** The installation's fingerprint, created on first call; concurrent first calls agree on one value. */
export async function ensureInstallationFingerprint(db: Db, generate: () => string): Promise<string> {
  await db.insertInto('installation').values({ id: 1, fingerprint: generate() })
    .onConflict((oc) => oc.column('id').doNothing()).execute()
  const row = await db.selectFrom('installation').select('fingerprint').where('id', '=', 1).executeTakeFirstOrThrow()
  return row.fingerprint
}

import type { Migration, MigrationProvider } from 'kysely'
import * as initial from './2026-11-22T000000-initial.js'
import * as tokenVersion from './2026-11-29T000000-token-version.js'

/** Migrations by name, in order; names are timestamps so that they sort as they were written. */
const MIGRATIONS: Record<string, Migration> = {
  '2026-11-22T000000-initial': initial,
  '2026-11-29T000000-token-version': tokenVersion,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
}

import type { Migration, MigrationProvider } from 'kysely'
import * as initial from './2026-11-22T000000-initial.js'

/** Migrations by name, in order; names are timestamps so that they sort as they were written. */
const MIGRATIONS: Record<string, Migration> = {
  '2026-11-22T000000-initial': initial,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
}

import type { Migration, MigrationProvider } from 'kysely'
import * as initial from './2026-11-22T000000-initial.js'
import * as tokenVersion from './2026-11-29T000000-token-version.js'
import * as eventsCreatedAt from './2026-12-04T000000-events-created-at.js'

/** Migrations by name, in order; names are timestamps so that they sort as they were written. */
const MIGRATIONS: Record<string, Migration> = {
  '2026-11-22T000000-initial': initial,
  '2026-11-29T000000-token-version': tokenVersion,
  '2026-12-04T000000-events-created-at': eventsCreatedAt,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
}

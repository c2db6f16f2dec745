import { sql, type Kysely } from 'kysely'

// Frozen copy of the contract's license types: migrations never import application code.
const SEEDED_TYPES = (() => {
  const basic = ['calls', 'recording', 'transfers', 'conferences', 'reports', 'crm', 'zoho']
  const professional = [...basic, 'whatsapp', 'sms', 'video', 'voicemail', 'email', 'webrtc_extension']
  const enterprise = [...professional, 'salesforce', 'twilio', 'facebook', 'third_party_integrations']
  const flags = (names: string[]) => Object.fromEntries(names.map((n) => [n, true]))
  return [
    { id: 1, name: 'Basic', max_users: 2, features: flags(basic), price_monthly: '29.99' },
    { id: 2, name: 'Professional', max_users: 5, features: flags(professional), price_monthly: '79.99' },
    { id: 3, name: 'Enterprise', max_users: 25, features: flags(enterprise), price_monthly: '199.99' },
    { id: 4, name: 'Developer', max_users: 1, features: flags(enterprise), price_monthly: '0.00' },
  ]
})()

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('installation')
    .addColumn('id', 'integer', (c) => c.primaryKey().defaultTo(1).check(sql`id = 1`))
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema.createTable('tenants')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await sql`create unique index tenants_one_default on tenants (is_default) where is_default`.execute(db)

  await db.schema.createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('user').check(sql`role in ('admin', 'user')`))
    .addColumn('webrtc_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await sql`create unique index users_email_ci on users (lower(email))`.execute(db)
  await db.schema.createIndex('users_tenant').on('users').column('tenant_id').execute()

  await db.schema.createTable('license_types')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('max_users', 'integer', (c) => c.notNull())
    .addColumn('features', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('price_monthly', sql`numeric(10, 2)`, (c) => c.notNull().defaultTo(0))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('seed').check(sql`source in ('seed', 'external')`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.insertInto('license_types')
    .values(SEEDED_TYPES.map((t) => ({ ...t, features: JSON.stringify(t.features) })))
    .execute()

  await db.schema.createTable('server_licenses')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('external', 'local')`))
    .addColumn('external_id', 'text')
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('organization_name', 'text', (c) => c.notNull())
    .addColumn('server_fingerprint', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('max_users', 'integer', (c) => c.notNull())
    .addColumn('webrtc_max_users', 'integer', (c) => c.notNull())
    .addColumn('webrtc_allocation', 'integer')
    .addColumn('license_type_id', 'integer', (c) => c.notNull())
    .addColumn('features', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('raw', 'jsonb')
    .addColumn('signature', 'text')
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_synced_at', 'timestamptz')
    .addColumn('withdrawn_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await sql`create unique index server_licenses_external on server_licenses (tenant_id, external_id) where source = 'external'`.execute(db)
  await db.schema.createIndex('server_licenses_tenant').on('server_licenses').columns(['tenant_id', 'source']).execute()

  await db.schema.createTable('client_sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('license_id', 'uuid', (c) => c.notNull().references('server_licenses.id').onDelete('cascade'))
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text', (c) => c.check(sql`end_reason in ('logout', 'expired', 'forced', 'revoked', 'allocation')`))
    .execute()
  await sql`create index client_sessions_live on client_sessions (license_id) where ended_at is null`.execute(db)
  await db.schema.createIndex('client_sessions_user').on('client_sessions').columns(['user_id', 'created_at']).execute()

  await db.schema.createTable('events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('events_tenant_id').on('events').columns(['tenant_id', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['events', 'client_sessions', 'server_licenses', 'license_types', 'users', 'tenants', 'installation']) {
    await db.schema.dropTable(table).ifExists().execute()
  }
}

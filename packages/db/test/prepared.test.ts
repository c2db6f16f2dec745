import t from 'tap'
import { sql } from 'kysely'
import pg from 'pg'
import { createDb, endCallerSession, findTokenSubjects, findUser, insertTenant, insertUsers, listUsers, type Db } from '../src/index.js'
import { createTestDatabase } from '@license-hub/test-support'

/** The statements prepared on the pool's one connection, as Postgres lists them. */
async function preparedOnConnection(db: Db): Promise<string[]> {
  const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements order by prepare_time`.execute(db)
  return rows.map((row) => row.statement)
}

type Test = Parameters<Parameters<typeof t.test>[0]>[0]

async function seeded(t: Test) {
  const { url } = await createTestDatabase(t)
  // One connection: what the first query prepared is there for the next.
  const db = createDb(url, { max: 1 })
  t.teardown(() => db.destroy())
  const tenant = await insertTenant(db, { name: 'Prepared', fingerprint: `fp-prepared-${Date.now()}` })
  const users = await insertUsers(db, ['a', 'b', 'c'].map((name) => ({
    tenantId: tenant.id, email: `${name}-${tenant.id}@prepared.test`, name, passwordHash: 'x',
  })))
  return { url, db, tenant, users }
}

t.test('a marked statement is prepared once on a connection and answers as the plain one did', async (t) => {
  const { db, tenant, users } = await seeded(t)
  const [a, b] = users
  const first = await findUser(db, tenant.id, a!.id)
  t.match(first, { id: a!.id, tenantId: tenant.id, email: a!.email, webrtcEnabled: true }, 'rows come back camel-cased, as Kysely gives them')
  t.equal((await findUser(db, tenant.id, b!.id))?.id, b!.id, 'the next call binds its own values')
  t.equal(await findUser(db, tenant.id, '00000000-0000-0000-0000-000000000000'), undefined, 'no row is undefined')

  const prepared = await preparedOnConnection(db)
  const ofFindUser = prepared.filter((text) => text.includes('from "users" where "tenant_id" = $1 and "id" = $2'))
  t.equal(ofFindUser.length, 1, 'three calls, one prepared statement')

  await listUsers(db, tenant.id)
  t.same(await preparedOnConnection(db), prepared, 'an unmarked statement is not prepared')
})

t.test('a list of ids is one array parameter: batches of any size share one statement', async (t) => {
  const { db, users } = await seeded(t)
  const one = await findTokenSubjects(db, [users[0]!.id])
  t.same(one.map((s) => s.id), [users[0]!.id])
  const all = await findTokenSubjects(db, users.map((u) => u.id))
  t.same(all.map((s) => s.id).sort(), users.map((u) => u.id).sort(), 'every id of the batch is found')
  t.match(all[0], { tenantId: users[0]!.tenantId, role: 'user', tokenVersion: 0 })
  const subjects = (await preparedOnConnection(db)).filter((text) => text.includes('"token_version"'))
  t.equal(subjects.length, 1, 'a batch of 1 and one of 3 ran the same statement')
})

t.test('a connection that replaced a lost one prepares the statement again', async (t) => {
  const { url, db, tenant, users } = await seeded(t)
  await findUser(db, tenant.id, users[0]!.id)
  const { rows: [backend] } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  t.teardown(() => admin.end())
  await admin.query('select pg_terminate_backend($1)', [backend!.pid])
  // The pool drops the dead client when it notices; a query on it meanwhile fails once.
  let user
  for (let i = 0; i < 20 && !user; i++) {
    user = await findUser(db, tenant.id, users[1]!.id).catch(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      return undefined
    })
  }
  t.equal(user?.id, users[1]!.id, 'the statement runs on the new connection')
  const { rows: [replacement] } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)
  t.not(replacement!.pid, backend!.pid, 'on another backend')
  t.equal((await preparedOnConnection(db)).filter((text) => text.includes('"tenant_id" = $1 and "id" = $2')).length, 1, 'prepared there too')
})

t.test('a column a migration adds while a node runs leaves its prepared statements working', async (t) => {
  const { db, tenant, users } = await seeded(t)
  const [user] = users
  await findUser(db, tenant.id, user!.id)
  await endCallerSession(db, tenant.id, '00000000-0000-0000-0000-000000000000', { userId: user!.id, admin: false }, new Date())
  await sql`alter table users add column nickname text`.execute(db)
  await sql`alter table client_sessions add column note text`.execute(db)
  t.equal((await findUser(db, tenant.id, user!.id))?.id, user!.id, 'the user is still read on the same connection')
  t.equal(await endCallerSession(db, tenant.id, '00000000-0000-0000-0000-000000000000', { userId: user!.id, admin: false }, new Date()), undefined,
    'and a session still ended')
})

t.test('a marked statement that fails leaves it usable on the same connection', async (t) => {
  const { db, tenant, users } = await seeded(t)
  // The first call fails at Bind (not a uuid) right after its Parse; a later one fails with the
  // statement already parsed on this connection. The call after each must still run.
  await t.rejects(findUser(db, tenant.id, 'not-a-uuid'), /invalid input syntax for type uuid/)
  t.equal((await findUser(db, tenant.id, users[0]!.id))?.id, users[0]!.id, 'after a failed first call')
  await t.rejects(findUser(db, tenant.id, 'still-not-a-uuid'), /invalid input syntax for type uuid/)
  t.equal((await findUser(db, tenant.id, users[1]!.id))?.id, users[1]!.id, 'after a failed later call')
})

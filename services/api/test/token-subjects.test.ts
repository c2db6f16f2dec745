/**
 * The per-node copy of the users behind tokens: a heartbeat checks its token against it without a
 * query, and a change made anywhere reaches it within FRESH_MS by the batched refresh.
 */
import t from 'tap'
import { findTokenSubjects, setUserRole } from '@license-hub/db'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'
import { FRESH_MS, TokenSubjects } from '../src/plugins/token-subjects.js'

t.test('requests are answered from the copy; the refresh reads every recent user in one statement and sees changes', async (t) => {
  const testApp = await buildTestApp(t)
  const { db } = testApp
  const [a, b] = [await createTestUser(testApp), await createTestUser(testApp)]
  let clock = 1_000_000
  const reads: string[][] = []
  let postgresAway = false
  const subjects = new TokenSubjects(async (ids) => {
    reads.push([...ids])
    if (postgresAway) throw new Error('connection refused')
    return findTokenSubjects(db, ids)
  }, () => clock)
  t.teardown(() => subjects.stop())

  t.equal((await subjects.get(a.user.id))?.role, 'user')
  t.equal((await subjects.get(b.user.id))?.role, 'user')
  t.equal(reads.length, 2, 'a user first seen is read on its own')
  for (let i = 0; i < 50; i++) await subjects.get(a.user.id)
  t.equal(reads.length, 2, 'then requests cost no query')

  await setUserRole(db, a.user.tenantId, a.user.id, 'admin')
  await db.deleteFrom('users').where('id', '=', b.user.id).execute()
  clock += FRESH_MS / 2
  await subjects.refresh()
  t.same(reads.at(-1)?.sort(), [a.user.id, b.user.id].sort(), 'the refresh reads both users in one statement')
  clock += FRESH_MS / 2 + 1
  const changed = await subjects.get(a.user.id)
  t.equal(changed?.role, 'admin', 'a role changed elsewhere is seen')
  t.equal(changed?.tokenVersion, 1, 'with its new token version')
  t.equal(await subjects.get(b.user.id), undefined, 'a deleted user is gone')
  t.equal(reads.length, 3, 'past FRESH_MS of the first read, still no query of its own: the refresh kept them fresh')

  // Postgres away: the refresh fails and the copies age; past FRESH_MS a request reads its user
  // itself, and that failing, a known user keeps its copy (live seats keep their heartbeats).
  postgresAway = true
  await subjects.refresh()
  clock += FRESH_MS + 1
  t.equal((await subjects.get(a.user.id))?.role, 'admin', 'a known user is answered from its stale copy')
  await t.rejects(subjects.get('00000000-0000-4000-8000-000000000000'), /connection refused/, 'an unknown user is an error (503)')
  postgresAway = false

  // A user not seen for minutes is dropped at the next refresh, and read on its own when it returns.
  clock += 3 * 60_000
  await subjects.refresh()
  const before = reads.length
  t.equal((await subjects.get(a.user.id))?.role, 'admin')
  t.same(reads.slice(before), [[a.user.id]], 'an idle user was dropped and is read again on its own')
})

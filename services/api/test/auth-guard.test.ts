import t from 'tap'
import { buildTestApp } from '../../../test/helpers/app.js'
import { createTestUser } from '../../../test/helpers/users.js'

t.test('tokens carrying the user id as `id` or as `userId` are both accepted', async (t) => {
  const testApp = await buildTestApp(t, {
    beforeReady: (app) => { app.get('/probe', { preHandler: app.authenticate }, async (request) => request.user) },
  })
  const { app } = testApp
  const { user } = await createTestUser(testApp)
  const withId = app.jwt.sign({ id: user.id, tenantId: user.tenantId, role: 'user' } as never)
  const withUserId = app.jwt.sign({ userId: user.id, tenantId: user.tenantId, role: 'user' } as never)
  for (const token of [withId, withUserId]) {
    const res = await app.inject({ method: 'GET', url: '/probe', headers: { authorization: `Bearer ${token}` } })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { id: user.id, tenantId: user.tenantId, role: 'user', tokenVersion: 0 })
  }
})

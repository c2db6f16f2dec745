import t from 'tap'
import { findPostgresBinDir, findRedisServer, MissingBinaryError } from '../src/index.js'

t.test('a missing redis-server is reported in one line with the way out', async (t) => {
  const saved = process.env.REDIS_SERVER_BIN
  process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server'
  t.teardown(() => { if (saved === undefined) delete process.env.REDIS_SERVER_BIN; else process.env.REDIS_SERVER_BIN = saved })
  const err = t.throws(() => findRedisServer()) as Error
  t.ok(err instanceof MissingBinaryError)
  t.equal(err.message, 'redis-server not found: install it (Debian/Ubuntu: sudo apt-get install -y redis-server; Fedora: sudo dnf install -y redis; '
    + 'macOS: brew install redis) or point REDIS_URL at a running Redis')
  t.notMatch(err.message, /\n/, 'one line')
})

t.test('the machine\'s Postgres binaries are found', async (t) => {
  t.match(findPostgresBinDir(), /bin$/)
})

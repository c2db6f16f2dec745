import t from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { loggerOptions, NESTED_SECRET_PARENTS, redactUrl } from '../src/index.js'

function capture() {
  const lines: string[] = []
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(chunk.toString()); done() } })
  const { transport: _pretty, ...options } = loggerOptions('info', 'test')
  return { log: pino(options, stream), text: () => lines.join('') }
}

t.test('secrets never reach a log line', async (t) => {
  const { log, text } = capture()
  log.info({ password: 'pw-123456', token: 'eyJhbGciOi.token', apiKey: 'key-abc', privateKey: '-----BEGIN PRIVATE KEY-----' }, 'flat')
  log.info({ user: { password: 'pw-654321', passwordHash: 'scrypt$hash' }, config: { licenseServer: { apiKey: 'key-def' } } }, 'nested')
  log.info({ req: { headers: { authorization: 'Bearer eyJhbGciOi.header' } } }, 'headers')
  for (const secret of ['pw-123456', 'eyJhbGciOi', 'key-abc', 'BEGIN PRIVATE KEY', 'pw-654321', 'scrypt$hash', 'key-def']) {
    t.notMatch(text(), secret, `${secret} is redacted`)
  }
  t.match(text(), '[Redacted]')
})

t.test('secrets one level down are redacted under every key that carries objects, errors included', async (t) => {
  const { log, text } = capture()
  const names = ['password', 'token', 'apiKey', 'privateKey', 'jwtSecret', 'secret', 'passwordHash', 'licensePrivateKey', 'adminPassword']
  for (const parent of NESTED_SECRET_PARENTS) {
    log.info({ [parent]: Object.fromEntries(names.map((name) => [name, `s3cret-${parent}-${name}`])), tenantId: 't' }, 'nested')
  }
  log.error({ err: Object.assign(new Error('license server refused'), { apiKey: 's3cret-error-key' }) }, 'failed')
  t.notMatch(text(), 's3cret', 'no secret value under any of them')
  t.match(text(), 'license server refused', 'the error itself is logged')
  t.equal(text().split('\n').filter(Boolean).length, NESTED_SECRET_PARENTS.length + 1)
})

t.test('a token in the query string is redacted from request URLs', async (t) => {
  t.equal(redactUrl('/ws/license?token=eyJ.abc.def&lastEventId=7'), '/ws/license?[Redacted]', 'the query of /ws/license is never logged')
  t.equal(redactUrl('/ws/%6Cicense/?%74oken=x'), '/ws/%6Cicense/?[Redacted]', 'however its path is encoded')
  t.equal(redactUrl('/api/x?%74oken=secret&a=1'), '/api/x?%74oken=[Redacted]&a=1', 'a percent-encoded parameter name is still a token')
  t.equal(redactUrl('/api/x?TOKEN=secret&API%5FKEY=k'), '/api/x?TOKEN=[Redacted]&API%5FKEY=[Redacted]')
  t.equal(redactUrl('/api/x?q=eyJhbGciOi.eyJpZCI6.c2ln&page=2'), '/api/x?q=[Redacted]&page=2', 'a JWT under any name')
  t.equal(redactUrl('/api/x?%zz=1'), '/api/x?%zz=1', 'a malformed escape does not throw')
  t.equal(redactUrl('/health'), '/health')
  const { log, text } = capture()
  const serializers = loggerOptions('info', 'test').serializers!
  log.info({ req: serializers.req!({ method: 'GET', url: '/ws/license?token=eyJ.secret' }) }, 'incoming request')
  t.notMatch(text(), 'eyJ.secret')
})

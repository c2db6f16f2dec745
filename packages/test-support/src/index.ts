/**
 * What every layer's tests share: the harness's servers (set up by test/run.ts), a database and a
 * Redis key prefix per test, captured logs, test secrets, a licensing context, the fake external
 * license server and a poll helper. It imports no service, so a package's tests never load the api.
 */
export * from './captured-log.js'
export * from './databases.js'
export * from './env.js'
export * from './fake-license-server.js'
export * from './licensing.js'
export * from './secrets.js'
export * from './wait.js'

/**
 * What every layer's tests share: the harness's servers (set up by test/run.ts), a database and a
 * Redis key prefix per test, captured logs, test secrets, a licensing context, the fake external
 * license server and a poll helper. It imports no service, so a package's tests never load the api;
 * the licensing context is its own entry (`@license-hub/test-support/licensing`), so db's tests do
 * not load licensing either.
 */
export * from './captured-log.js'
export * from './databases.js'
export * from './env.js'
export * from './fake-license-server.js'
export * from './secrets.js'
export * from './wait.js'

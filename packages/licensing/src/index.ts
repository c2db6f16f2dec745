export * from './secrets.js'
export * from './local-licenses.js'
export * from './bootstrap.js'
export * from './runtime.js'

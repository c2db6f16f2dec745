export * from './connection.js'
export * from './keys.js'
export * from './queues.js'

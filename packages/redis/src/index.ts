export * from './connection.js'
export * from './keys.js'
export * from './seats/index.js'
export * from './queues.js'

export * from './config.js'
export * from './env-schema.js'
export { parseDuration } from './duration.js'
export * from './logger.js'

export * from './errors.js'
export * from './schemas/common.js'
export * from './schemas/license.js'

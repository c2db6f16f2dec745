export * from './worker.js'
export * from './schedules.js'
export * from './jobs.js'

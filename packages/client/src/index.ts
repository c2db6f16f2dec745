export * from './wire.js'
export * from './errors.js'
export { LicenseHubRest, parseFeatures, type FetchLike, type RestClientOptions } from './rest.js'
export { backoffDelay, DEFAULT_BACKOFF, TRY_AGAIN_LATER_FLOOR_MS, type BackoffOptions } from './backoff.js'
export { timerScheduler, chromeAlarmsScheduler, type Scheduler, type ScheduleOptions, type ChromeAlarmsLike, type ChromeAlarmsSchedulerOptions } from './scheduler.js'
export { memoryStore, chromeStorageStore, type KeyValueStore, type ChromeStorageAreaLike } from './store.js'
export {
  LicenseSocket, licenseEvents, type LicenseEventsOptions, type LicenseSocketOptions, type LicenseSocketState, type LicenseSocketStatus,
  type SocketConstructor, type SocketLike,
} from './socket.js'
export { SeatKeeper, type SeatKeeperOptions, type SeatState, type SeatStatus } from './seat.js'
export {
  NotificationStore, DEFAULT_DURATIONS, type LicenseNotification, type NotificationState, type NotificationStoreOptions,
} from './notifications.js'
export { LicenseHub, type LicenseHubOptions, type LicenseHubState } from './hub.js'

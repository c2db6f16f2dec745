import { EVENT_STREAM_LENGTH } from '@license-hub/redis'

export interface WsHubOptions {
  /** Protocol ping period; a connection that has not answered the previous ping is terminated. */
  pingIntervalMs: number
  maxConnectionsPerNode: number
  maxConnectionsPerTenant: number
  maxConnectionsPerUser: number
  /** Bytes queued for one socket past which it is a slow consumer, closed with 4000. */
  maxBufferedBytes: number
  /** A slow consumer that has not finished the close handshake by then is terminated. */
  slowConsumerCloseMs: number
  /** Largest client message; clients only send pings. */
  maxPayloadBytes: number
  /** A reconnect that missed more events than this is told to resync instead of replaying them. */
  maxReplayEvents: number
  /** Sockets closed with 1001 per batch on shutdown, and the pause between batches. */
  drainBatchSize: number
  drainBatchIntervalMs: number
  /** Sockets still open this long after their 1001 are terminated. */
  drainTimeoutMs: number
  /** How often sockets whose token has expired are looked for (and closed with 1008). */
  tokenExpirySweepMs: number
  /** How often this node rewrites its connection counts in Redis (they expire after 3 periods). */
  statsRefreshMs: number
}

export const DEFAULT_WS_HUB_OPTIONS: WsHubOptions = {
  pingIntervalMs: 25_000,
  maxConnectionsPerNode: 20_000,
  maxConnectionsPerTenant: 10_000,
  maxConnectionsPerUser: 5,
  maxBufferedBytes: 512 * 1024,
  slowConsumerCloseMs: 5_000,
  maxPayloadBytes: 4 * 1024,
  maxReplayEvents: EVENT_STREAM_LENGTH,
  drainBatchSize: 250,
  drainBatchIntervalMs: 100,
  drainTimeoutMs: 5_000,
  tokenExpirySweepMs: 1_000,
  statsRefreshMs: 10_000,
}

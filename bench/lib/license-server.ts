/**
 * The external license server for the sync benchmark, in its own process: `BENCH_LICENSES`
 * licenses in the seed's format, those of `BENCH_FINGERPRINTS` (comma-separated) first, the rest
 * for other installations; each of ours answers its webrtc-sessions call.
 */
import { createServer } from 'node:http'

const total = Number(process.env.BENCH_LICENSES ?? 10_000)
const fingerprints = (process.env.BENCH_FINGERPRINTS ?? '').split(',').filter(Boolean)
const ours = Math.floor(total / 2)
const type = { id: 3, name: 'Enterprise', max_concurrent_users: 25, features: { calls: true, recording: true, webrtc_extension: true, salesforce: true } }
const licenses = Array.from({ length: total }, (_, i) => ({
  id: 10_000 + i,
  organization_name: `Org ${i}`,
  server_fingerprint: i < ours ? fingerprints[i % fingerprints.length] : `other-installation-${i}`,
  status: 'active',
  max_users: 50,
  webrtc_max_users: 25,
  license_type_id: 3,
  license_type: type,
  expires_at: '2030-01-01T00:00:00.000Z',
  issued_at: '2024-01-01T00:00:00.000Z',
}))
const bodies = new Map<string, string>([
  ['/licenses', JSON.stringify({ data: licenses })],
  ['/licenses/types', JSON.stringify({ data: [type] })],
])
const allocation = JSON.stringify({ webrtc_max_users: 20, activeSessions: 0 })

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]!
  const body = bodies.get(path) ?? (/^\/licenses\/\d+\/webrtc-sessions$/.test(path) ? allocation : undefined)
  res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' })
  res.end(body ?? '{"error":"Not Found"}')
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number }
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}`, bytes: bodies.get('/licenses')!.length })
})
process.on('SIGTERM', () => process.exit(0))

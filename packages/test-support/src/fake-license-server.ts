import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

type Teardown = { teardown: (fn: () => unknown) => void }

/** How the fake answers a call: normally, 500, never (hang), with a non-JSON body, or 404. */
export type FakeMode = 'ok' | 'error' | 'hang' | 'garbage' | 'not-found'

export interface FakeLicenseType {
  id: number
  name: string
  features: Record<string, boolean> | string
  max_concurrent_users: number
  [extra: string]: unknown
}

/** A license in the seed's JSON format. */
export interface FakeLicense {
  id: number | string
  organization_name: string
  server_fingerprint: string
  status: string
  max_users: number
  webrtc_max_users: number
  license_type_id: number
  license_type: FakeLicenseType
  expires_at: string | null
  issued_at: string
  [extra: string]: unknown
}

export interface RecordedRequest { method: string; path: string; headers: IncomingHttpHeaders }

export interface FakeLicenseServer {
  url: string
  /** What GET /licenses lists (mutate freely between syncs). */
  licenses: FakeLicense[]
  /** What GET /licenses/types lists. */
  types: FakeLicenseType[]
  /** GET /licenses/{id}/webrtc-sessions answers these; other ids get 404 (the call is optional). */
  webrtcAllocations: Map<string, number>
  /** Mode of GET /licenses (and of the other calls unless set below). */
  mode: FakeMode
  typesMode?: FakeMode
  /** Mode of GET /licenses/{id}/webrtc-sessions alone, when set. */
  webrtcMode?: FakeMode
  requests: RecordedRequest[]
  hits(path: string): number
  close(): Promise<void>
}

export function professionalType(overrides: Partial<FakeLicenseType> = {}): FakeLicenseType {
  return {
    id: 2, name: 'Professional', max_concurrent_users: 25,
    features: { calls: true, recording: true, webrtc_extension: true, whatsapp: true },
    ...overrides,
  }
}

let nextId = 100
/** A license of the seed's example, for `fingerprint`. */
export function fakeLicense(fingerprint: string, overrides: Partial<FakeLicense> = {}): FakeLicense {
  return {
    id: nextId++,
    organization_name: 'Acme Corp',
    server_fingerprint: fingerprint,
    status: 'active',
    max_users: 50,
    webrtc_max_users: 25,
    license_type_id: 2,
    license_type: professionalType(),
    expires_at: new Date(Date.now() + 365 * 86_400_000).toISOString(),
    issued_at: '2024-01-01T00:00:00Z',
    ...overrides,
  }
}

/** A real HTTP server playing the external license server, closed at teardown. */
export async function startFakeLicenseServer(t: Teardown): Promise<FakeLicenseServer> {
  const sockets = new Set<Socket>()
  const hanging = new Set<ServerResponse>()
  const fake: Omit<FakeLicenseServer, 'url' | 'close'> = {
    licenses: [],
    types: [professionalType()],
    webrtcAllocations: new Map(),
    mode: 'ok',
    requests: [],
    hits: (path) => fake.requests.filter((r) => r.path === path).length,
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    fake.requests.push({ method: req.method ?? 'GET', path, headers: req.headers })
    const mode = path === '/licenses'
      ? fake.mode
      : path === '/licenses/types'
        ? fake.typesMode ?? fake.mode
        : /\/webrtc-sessions$/.test(path) ? fake.webrtcMode ?? fake.mode : fake.mode
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (mode === 'hang') { hanging.add(res); return }
    if (mode === 'error') return json(500, { error: 'Internal Server Error' })
    if (mode === 'not-found') return json(404, { error: 'Not Found' })
    if (mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end('{"data": [ {"id": 1, "organ')
    }
    if (path === '/licenses') return json(200, { data: fake.licenses })
    if (path === '/licenses/types') return json(200, { data: fake.types })
    const sessions = /^\/licenses\/([^/]+)\/webrtc-sessions$/.exec(path)
    const allocation = sessions ? fake.webrtcAllocations.get(decodeURIComponent(sessions[1]!)) : undefined
    if (allocation !== undefined) return json(200, { webrtc_max_users: allocation, activeSessions: 0 })
    return json(404, { error: 'Not Found' })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const close = async () => {
    for (const res of hanging) res.destroy()
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  let closed: Promise<void> | undefined
  const fakeServer: FakeLicenseServer = Object.assign(fake, { url: `http://127.0.0.1:${port}`, close: () => (closed ??= close()) })
  t.teardown(() => fakeServer.close())
  return fakeServer
}

/** A URL on which nothing listens: connecting is refused. */
export async function refusedUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

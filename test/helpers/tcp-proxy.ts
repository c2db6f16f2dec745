import { createServer, connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

type Teardown = { teardown: (fn: () => unknown) => void }

export interface TcpProxy {
  /** The upstream URL with its host and port replaced by the proxy's. */
  url: string
  /** Drops every connection and refuses new ones, as a server that went away. */
  cut: () => void
  restore: () => void
}

/** A TCP proxy in front of a real server (e.g. Postgres), so a test can take it away and bring it back. */
export async function tcpProxy(t: Teardown, upstreamUrl: string): Promise<TcpProxy> {
  const upstream = new URL(upstreamUrl)
  const sockets = new Set<Socket>()
  let up = true
  const server = createServer((client) => {
    if (!up) {
      client.destroy()
      return
    }
    const target = connect(Number(upstream.port), upstream.hostname)
    for (const socket of [client, target]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
    }
    client.pipe(target).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const url = new URL(upstreamUrl)
  url.hostname = '127.0.0.1'
  url.port = String((server.address() as AddressInfo).port)
  return {
    url: url.toString(),
    cut: () => {
      up = false
      for (const socket of sockets) socket.destroy()
    },
    restore: () => { up = true },
  }
}

/**
 * The fan-out benchmark's clients, in a process of their own: opens sockets, notes when each
 * message arrives (by its `id`), says when an awaited event has reached every socket, and hands
 * the arrival times to its parent.
 */
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'

const sockets: WebSocket[] = []
const arrivals = new Map<string, number[]>()
const clock = () => performance.timeOrigin + performance.now()

function open(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { perMessageDeflate: false })
    socket.on('message', (data) => {
      const at = clock()
      const text = data.toString()
      const match = /"id":"([^"]+)"/.exec(text)
      if (!match) return
      let list = arrivals.get(match[1]!)
      if (!list) arrivals.set(match[1]!, list = [])
      list.push(at)
      sample ??= text
      if (awaited && awaited.id === match[1] && list.length >= awaited.count) reportArrived()
    })
    socket.once('open', () => { sockets.push(socket); resolve(true) })
    socket.on('close', (code) => { closes.set(code, (closes.get(code) ?? 0) + 1) })
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(false))
  })
}

let sample: string | undefined
const closes = new Map<number, number>()
/** The event the parent waits for, until it has reached `count` sockets (or the parent's deadline). */
let awaited: { id: string; count: number } | undefined

function reportArrived(): void {
  if (!awaited) return
  const { id } = awaited
  awaited = undefined
  process.send?.({ type: 'arrived', id, reached: arrivals.get(id)?.length ?? 0 })
}

type ParentMessage = { type: string; urls?: string[]; id?: string; count?: number }

async function onMessage(message: ParentMessage): Promise<void> {
  if (message.type === 'open') {
    const urls = message.urls!
    let failed = 0
    for (let i = 0; i < urls.length; i += 200) {
      const opened = await Promise.all(urls.slice(i, i + 200).map(open))
      failed += opened.filter((ok) => !ok).length
    }
    process.send?.({ type: 'opened', open: sockets.length, failed })
  } else if (message.type === 'await') {
    awaited = { id: message.id!, count: message.count! }
    if ((arrivals.get(message.id!)?.length ?? 0) >= message.count!) reportArrived()
  } else if (message.type === 'give-up') {
    if (awaited?.id === message.id) reportArrived()
  } else if (message.type === 'collect') {
    process.send?.({ type: 'arrivals', arrivals: Object.fromEntries(arrivals), sample, closes: Object.fromEntries(closes) })
    arrivals.clear()
  } else if (message.type === 'close') {
    for (const socket of sockets.splice(0)) socket.terminate()
    process.send?.({ type: 'closed' })
  }
}
// A failed job ends the process with its error rather than leaving the parent waiting.
process.on('message', (message: ParentMessage) => {
  onMessage(message).catch((err: unknown) => { console.error(err); process.exit(1) })
})
process.send?.({ type: 'ready' })

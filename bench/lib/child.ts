import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Child {
  pid: number
  process: ChildProcess
  /** The next IPC message of this type. */
  next: <T = Record<string, unknown>>(type: string, timeoutMs?: number) => Promise<T>
  send: (message: Record<string, unknown>) => void
  /** Resident memory now, in bytes (Linux /proc). */
  rss: () => number
  stop: () => Promise<void>
}

/**
 * A TypeScript file in its own Node process, talking over IPC: servers under test and load
 * generators never share an event loop with each other or with the benchmark.
 */
export function startChild(file: string, env: NodeJS.ProcessEnv = {}, options: { log?: string; nodeArgs?: string[] } = {}): Child {
  const out = options.log ? openSync(options.log, 'a') : 'ignore'
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', '--conditions=license-hub-src', file], {
    stdio: ['ignore', out, 'inherit', 'ipc'], env: { ...process.env, ...env },
  })
  const waiting = new Map<string, (message: Record<string, unknown>) => void>()
  const early = new Map<string, Record<string, unknown>>()
  child.on('message', (message: Record<string, unknown>) => {
    const type = String(message.type)
    const resolve = waiting.get(type)
    if (resolve) {
      waiting.delete(type)
      resolve(message)
    } else {
      early.set(type, message)
    }
  })
  let exited = false
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve() }))
  return {
    pid: child.pid!,
    process: child,
    next: <T>(type: string, timeoutMs = 120_000) => new Promise<T>((resolve, reject) => {
      const got = early.get(type)
      if (got) {
        early.delete(type)
        resolve(got as T)
        return
      }
      const timer = setTimeout(() => reject(new Error(`${file}: no "${type}" within ${timeoutMs} ms`)), timeoutMs)
      void exit.then(() => { if (waiting.has(type)) reject(new Error(`${file} exited before "${type}"`)) })
      waiting.set(type, (message) => { clearTimeout(timer); resolve(message as T) })
    }),
    send: (message) => { child.send(message) },
    rss: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    stop: async () => {
      if (exited) return
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exit
      clearTimeout(killer)
    },
  }
}

/** BENCH_CPU_PROF=<dir>: node's arguments for a V8 CPU profile of the process, written to <dir> when it stops. */
export const cpuProfileArgs = (): string[] => process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []

export const benchFile = (name: string) => join(new URL('.', import.meta.url).pathname, name)

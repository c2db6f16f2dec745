import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

export interface ComposeService {
  image?: string
  build?: { context: string; dockerfile: string }
  command?: string[]
  environment?: Record<string, string | number | boolean | null>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
}

export interface ComposeFile { services: Record<string, ComposeService> }

/** docker-compose.yml with its anchors and merge keys (`<<: *app`) resolved, as Docker Compose reads it. */
export function composeFile(): ComposeFile {
  return parse(readFileSync(new URL('docker-compose.yml', `file://${repoRoot}`), 'utf8'), { merge: true }) as ComposeFile
}

/** The runtime stage's CMD of infra/Dockerfile (its exec form). */
export function dockerfileCmd(): string[] {
  const dockerfile = readFileSync(new URL('infra/Dockerfile', `file://${repoRoot}`), 'utf8')
  const cmds = [...dockerfile.matchAll(/^CMD (\[.*\])\s*$/gm)]
  if (cmds.length === 0) throw new Error('infra/Dockerfile has no exec-form CMD')
  return JSON.parse(cmds.at(-1)![1]!) as string[]
}

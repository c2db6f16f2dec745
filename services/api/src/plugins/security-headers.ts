import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import helmet from 'helmet'

const OPTIONS = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  referrerPolicy: { policy: 'no-referrer' as const },
}

/**
 * The headers helmet sets with OPTIONS, worked out once: they depend on nothing in the request
 * (no CSP nonce), and running helmet's middleware chain on every answer (parsing its CSP
 * directives each time) was the costliest part of a heartbeat after the socket writes.
 */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: unknown) => { headers[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()] },
  }
  let failure: unknown
  helmet(OPTIONS)({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => { failure = err })
  if (failure) throw failure
  return headers
}

/**
 * Security headers on every answer (nosniff, frame options, referrer policy, HSTS, which browsers
 * honour once Nginx serves TLS). The API answers JSON only, so its CSP allows nothing; the /docs
 * page sets its own (see docs.ts).
 */
export default fp(async (app) => {
  const headers = securityHeaders()
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
}, { name: 'security-headers' })

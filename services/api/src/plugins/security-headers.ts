import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import helmet from 'helmet'

/**
 * The OWASP set for a JSON API. Helmet's other defaults (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-
 * Control, X-Download-Options, X-Permitted-Cross-Domain-Policies, X-XSS-Protection) guard HTML
 * documents; the API serves none, and every header is paid for on every heartbeat.
 */
const OPTIONS = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  referrerPolicy: { policy: 'no-referrer' as const },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
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
 * The headers every answer carries, set in one hook as the request arrives (so refusals by later
 * hooks carry them too): the security set (nosniff, frame options, referrer policy, HSTS, which
 * browsers honour once Nginx serves TLS; the API answers JSON only, so its CSP allows nothing, and
 * the /docs page sets its own, see docs.ts) and `x-request-id`, echoed so a client's report can be
 * matched to our log lines.
 */
export default fp(async (app) => {
  const headers = securityHeaders()
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers)
    reply.header('x-request-id', request.id)
    done()
  })
}, { name: 'security-headers' })

import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'

/**
 * Security headers on every answer (nosniff, frame options, referrer policy, HSTS, which browsers
 * honour once Nginx serves TLS). The API answers JSON only, so its CSP allows nothing; the /docs
 * page sets its own (see docs.ts).
 */
export default fp(async (app) => {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    referrerPolicy: { policy: 'no-referrer' },
  })
}, { name: 'security-headers' })

import fp from 'fastify-plugin'
import cors from '@fastify/cors'

/**
 * Browsers: the origins in ALLOWED_ORIGINS (e.g. a web app, or `chrome-extension://<id>`) may call
 * the REST API, preflight included; any other origin gets no CORS headers at all. An extension's
 * service worker with host permissions does not need this; its pages and web apps do.
 */
export default fp(async (app) => {
  // No origin allowed: @fastify/cors would refuse every one (a preflight is the same 404 either
  // way), at the cost of a hook on every request, heartbeats included.
  if (app.config.allowedOrigins.length === 0) return
  const allowed = new Set(app.config.allowedOrigins)
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  })
}, { name: 'cors' })

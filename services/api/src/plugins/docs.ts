import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

const PUBLIC_API = new Set(['/api/auth/login'])

/**
 * The OpenAPI document at /docs/json (UI at /docs), built from the route schemas. Registered
 * before the routes so that it sees every one of them. Every /api route but login takes a Bearer
 * token, so the security requirement is added here rather than repeated in each schema.
 */
export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'license-hub', version: '0.1.0', description: 'Licensing and seat service for the WebRTC extension. Errors: `{ statusCode, code, error, message }`.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: ({ schema, url, route }) => {
      const needsToken = url.startsWith('/api/') && !PUBLIC_API.has(url) && schema && !('security' in schema)
      // @fastify/websocket hides its routes; ours carry a schema worth documenting.
      const unhide = route.websocket === true && schema?.tags !== undefined
      return { schema: { ...schema, ...(needsToken ? { security: [{ bearerAuth: [] }] } : {}), ...(unhide ? { hide: false } : {}) }, url }
    },
  })
  // Its own Content-Security-Policy (hashes of its inline script and style) replaces helmet's on /docs.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
}, { name: 'docs' })

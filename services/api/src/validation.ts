import { AjvCompiler } from '@fastify/ajv-compiler'
import type { FastifyServerOptions } from 'fastify'

type Factory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
type CompilerOptions = Parameters<ReturnType<typeof AjvCompiler>>[1]

const COMMON = { removeAdditional: false, useDefaults: true, allErrors: false } as const

/**
 * Ajv as Fastify builds it, with one change: types are coerced only where the contract wants it
 * (query strings, params and headers are text), never in bodies, where `null`, `"0x10"` or `[5]`
 * for a number, or `["a@b"]` for an email, are 400s rather than values.
 */
export const compilersFactory: Factory = {
  buildValidator(externalSchemas, ajvOptions) {
    const plugins = (ajvOptions as { plugins?: unknown[] } | undefined)?.plugins
    const options = (coerceTypes: false | 'array') => ({ plugins, customOptions: { ...COMMON, coerceTypes } }) as CompilerOptions
    const forBodies = AjvCompiler()(externalSchemas, options(false))
    const forText = AjvCompiler()(externalSchemas, options('array'))
    return (route) => (route.httpPart === 'body' ? forBodies(route) : forText(route))
  },
}

import { AjvCompiler } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

type Factory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
type CompilerOptions = Parameters<ReturnType<typeof AjvCompiler>>[1]

const COMMON = { removeAdditional: false, useDefaults: true, allErrors: false } as const

type Schema = { anyOf?: Schema[]; properties?: Record<string, { const?: unknown }> }
type Serialize = (data: unknown) => string

/**
 * The property whose `const` tells the branches of a union apart (`valid` in validate-session's
 * answer), with each branch by its value; undefined for any other schema.
 */
function discriminated(schema: unknown): { key: string; branches: Map<unknown, Schema> } | undefined {
  const branches = (schema as Schema | undefined)?.anyOf
  if (!branches || branches.length < 2) return undefined
  const first = branches[0]!.properties ?? {}
  for (const key of Object.keys(first)) {
    if (!('const' in first[key]!)) continue
    const byValue = new Map(branches.map((branch) => [branch.properties?.[key]?.const, branch]))
    if (byValue.size === branches.length && !byValue.has(undefined)) return { key, branches: byValue }
  }
  return undefined
}

/**
 * Ajv as Fastify builds it, with one change: types are coerced only where the contract wants it
 * (query strings, params and headers are text), never in bodies, where `null`, `"0x10"` or `[5]`
 * for a number, or `["a@b"]` for an email, are 400s rather than values.
 *
 * Answers are serialized as Fastify does (fast-json-stringify), but a union told apart by a
 * constant property is serialized by the branch that property names. fast-json-stringify picks a
 * union's branch by validating the answer against each branch in turn, and for a valid heartbeat
 * that meant a full validation of its license on every call. Each route's serializer is built at
 * its first answer, not at start: building them all (fast-json-stringify checks each schema with
 * Ajv as it builds) was about a tenth of an api node's start to /ready. A route's first answer
 * pays its own, a few milliseconds; the tests answer every route, so a bad schema still fails them.
 *
 * `checkSchemas` has Ajv check each route schema against JSON Schema's meta-schema as it compiles
 * it. The schemas are code, the same in every environment, so development and the tests check them
 * and production does not: compiling the meta-schema, once per Ajv instance, was a sixth of an api
 * node's start.
 */
export const compilersFactory = (checkSchemas: boolean): Factory => ({
  buildSerializer(externalSchemas, serializerOptions) {
    const build = SerializerSelector()(externalSchemas, serializerOptions)
    const compile = (route: Parameters<typeof build>[0]): Serialize => {
      const union = discriminated(route.schema)
      if (!union) return build(route)
      const whole = build(route)
      const byValue = new Map<unknown, Serialize>([...union.branches].map(([value, schema]) => [value, build({ ...route, schema })]))
      return (data: unknown) => (byValue.get((data as Record<string, unknown> | null)?.[union.key]) ?? whole)(data)
    }
    return (route) => {
      let serialize: Serialize | undefined
      return (data: unknown) => (serialize ??= compile(route))(data)
    }
  },
  buildValidator(externalSchemas, ajvOptions) {
    const plugins = (ajvOptions as { plugins?: unknown[] } | undefined)?.plugins
    const options = (coerceTypes: false | 'array') => ({ plugins, customOptions: { ...COMMON, validateSchema: checkSchemas, coerceTypes } }) as CompilerOptions
    const forBodies = AjvCompiler()(externalSchemas, options(false))
    const forText = AjvCompiler()(externalSchemas, options('array'))
    return (route) => (route.httpPart === 'body' ? forBodies(route) : forText(route))
  },
})

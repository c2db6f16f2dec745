import { AjvCompiler } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'
import { isDeepFrozen } from '@license-hub/core'

type Factory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
type CompilerOptions = Parameters<ReturnType<typeof AjvCompiler>>[1]

const COMMON = { removeAdditional: false, useDefaults: true, allErrors: false } as const

type Schema = {
  anyOf?: Schema[]; type?: unknown; const?: unknown; properties?: Record<string, Schema>; required?: string[]
  additionalProperties?: unknown; patternProperties?: unknown
}
type Serialize = (data: unknown) => string
type Build = (route: { schema?: unknown }) => Serialize

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

const isFrozenObject = (value: unknown): value is object => typeof value === 'object' && value !== null && Object.isFrozen(value)

/** `serialize` kept per object, for the deeply frozen ones (which can never change): undefined for the others. */
function oncePerFrozen(serialize: Serialize): (value: object) => string | undefined {
  const texts = new WeakMap<object, string>()
  return (value) => {
    let text = texts.get(value)
    if (text === undefined && isDeepFrozen(value)) texts.set(value, (text = serialize(value)))
    return text
  }
}

/**
 * `build` for a route, but what cannot change is written once: an answer that is deeply frozen is
 * kept as its JSON text, and so is each object property of an answer that holds a deeply frozen
 * value there, the rest of the answer written around it (that property then comes last). The api
 * nodes hold the license in force deeply frozen (NodeLicenseCache), so `GET /api/licenses/current`
 * answers a kept text and a heartbeat writes only its four own fields: fast-json-stringify took
 * about 5 µs to write a heartbeat's 1-KB answer, a tenth of the heartbeat's CPU. Any other answer,
 * and any schema that admits properties it does not name, is written as `build` writes it.
 */
function frozenOnce(route: { schema?: unknown }, build: Build): Serialize {
  const whole = build(route)
  const schema = route.schema as Schema | undefined
  if (schema?.type !== 'object' || !schema.properties) return whole
  const wholeOnce = oncePerFrozen(whole)
  const properties = schema.properties
  const keys = schema.additionalProperties || schema.patternProperties
    ? []
    : Object.keys(properties).filter((key) => properties[key]!.type === 'object')
  // Built at the first answer that holds frozen values there: most routes never do.
  let split: { rest: Serialize; parts: { key: string; name: string; once: (value: object) => string | undefined }[] } | undefined
  const splitter = () => (split ??= {
    rest: build({
      ...route,
      schema: {
        ...schema,
        properties: Object.fromEntries(Object.entries(properties).filter(([key]) => !keys.includes(key))),
        required: schema.required?.filter((key) => !keys.includes(key)),
      },
    }),
    parts: keys.map((key) => ({ key, name: JSON.stringify(key), once: oncePerFrozen(build({ ...route, schema: properties[key] })) })),
  })
  return (data) => {
    if (typeof data !== 'object' || data === null) return whole(data)
    const kept = wholeOnce(data)
    if (kept !== undefined) return kept
    const answer = data as Record<string, unknown>
    if (keys.length === 0 || !keys.every((key) => isFrozenObject(answer[key]))) return whole(data)
    const { rest, parts } = splitter()
    let tail = ''
    for (const { key, name, once } of parts) {
      const text = once(answer[key] as object)
      if (text === undefined) return whole(data)
      tail += `,${name}:${text}`
    }
    const head = rest(data)
    return head === '{}' ? `{${tail.slice(1)}}` : `${head.slice(0, -1)}${tail}}`
  }
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
      if (!union) return frozenOnce(route, build as Build)
      const whole = build(route)
      const branch = (schema: Schema) => frozenOnce({ ...route, schema }, build as Build)
      const byValue = new Map<unknown, Serialize>([...union.branches].map(([value, schema]) => [value, branch(schema)]))
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

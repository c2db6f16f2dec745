import { Type, type Static } from 'typebox'

export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ description: 'stable error code, e.g. USER_LIMIT_REACHED' }),
  error: Type.String(),
  message: Type.String(),
}, { $id: 'ErrorResponse', description: 'Every error answer has this shape' })
export type ErrorResponse = Static<typeof ErrorResponse>

export const Uuid = Type.String({ format: 'uuid' })
export const IsoDate = Type.String({ format: 'date-time' })
export const NullableIsoDate = Type.Union([IsoDate, Type.Null()])

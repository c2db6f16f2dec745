import { Type, type Static } from 'typebox'
import { Email, Role } from './auth.js'
import { IsoDate, Text, Uuid } from './common.js'

/** A user as the API shows it: never a password or its hash. */
export const UserView = Type.Object({
  id: Uuid,
  tenantId: Uuid,
  email: Type.String(),
  name: Type.String(),
  role: Role,
  webrtcEnabled: Type.Boolean({ description: 'the user may use the WebRTC extension (given a license that allows it)' }),
  createdAt: IsoDate,
})
export type UserView = Static<typeof UserView>

export const CreateUserBody = Type.Object({
  email: Email,
  password: Text({ minLength: 8, maxLength: 1024 }),
  name: Text({ minLength: 1, maxLength: 200 }),
  role: Type.Optional(Role),
  webrtcEnabled: Type.Optional(Type.Boolean({ default: true })),
}, { additionalProperties: false })
export type CreateUserBody = Static<typeof CreateUserBody>

import { Type } from 'typebox';
import { KeyStatus, Metadata, Visibility } from './common.js';

export const VerifyRequest = Type.Object({ credential: Type.String({ maxLength: 8192 }) }, { additionalProperties: false });

export const VerifyResponse = Type.Object({
  is_valid: Type.Boolean(),
  status: Type.Optional(KeyStatus),
  key_id: Type.Optional(Type.String()),
  actor_id: Type.Optional(Type.String()),
  issuer: Type.Optional(Type.String()),
  scopes: Type.Optional(Type.Array(Type.String())),
  metadata: Type.Optional(Metadata),
  visibility: Type.Optional(Visibility),
  expire_time: Type.Optional(Type.String({ format: 'date-time' })),
  rate_limit_policy: Type.Optional(Type.Object({ quota: Type.String(), window: Type.String(), unit: Type.String() })),
  rate_limit_remaining: Type.Optional(Type.String()),
  rate_limit_reset_time: Type.Optional(Type.String({ format: 'date-time' })),
  error_code: Type.Optional(Type.String()),
  error_message: Type.Optional(Type.String()),
});

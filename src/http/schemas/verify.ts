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

export const BatchVerifyRequest = Type.Object(
  { requests: Type.Array(VerifyRequest, { minItems: 1, maxItems: 100, description: '1–100 credentials; results come back in the same order.' }) },
  { additionalProperties: false },
);
export const BatchVerifyResponse = Type.Object({ results: Type.Array(VerifyResponse) });

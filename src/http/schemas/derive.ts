import { Type } from 'typebox';
import { Duration, RevocationReason, Scopes, Text } from './common.js';

export const DeriveRequest = Type.Object(
  {
    credential: Type.String({ maxLength: 8192, description: 'The parent key (issued or imported).' }),
    algorithm: Type.Optional(
      Type.Union([Type.Literal('TOKEN_ALGORITHM_UNSPECIFIED'), Type.Literal('TOKEN_ALGORITHM_JWT'), Type.Literal('TOKEN_ALGORITHM_MACAROON')]),
    ),
    ttl: Type.Optional(Duration),
    scopes: Type.Optional(Scopes),
    custom_claims: Type.Optional(
      Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), { description: '≤ 4 KB serialised; reserved claim names are dropped.' }),
    ),
  },
  { additionalProperties: false },
);

export const DeriveResponse = Type.Object({
  token: Type.Object({
    token: Type.String(),
    expire_time: Type.String({ format: 'date-time' }),
    scopes: Type.Array(Type.String()),
    claims: Type.Record(Type.String(), Type.Unknown()),
  }),
});

export const SelfRevokeRequest = Type.Object(
  { credential: Type.String({ maxLength: 8192 }), reason: Type.Optional(RevocationReason), description: Type.Optional(Text(500)) },
  { additionalProperties: false },
);

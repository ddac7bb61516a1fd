import { type TSchema, Type } from 'typebox';

/** Wire/storage schema of ProjectSettings: the operator API validates a merged config against it. */
const Prefix = Type.String({ pattern: '^[a-zA-Z0-9_]{1,16}$' });
const MacaroonPrefix = Type.String({ pattern: '^[a-zA-Z0-9_]{1,8}$' });
const Dur = Type.String({ maxLength: 32 });
/** Printable: the issuer is copied into tokens and responses. */
const Issuer = Type.String({ minLength: 1, maxLength: 512, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
const obj = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, { additionalProperties: false });

export const ProjectSettingsSchema = obj({
  api_keys: obj({
    prefix: obj({
      current: Prefix,
      retired: Type.Array(Prefix, { maxItems: 20 }),
      public_current: Prefix,
      public_retired: Type.Array(Prefix, { maxItems: 20 }),
    }),
    default_ttl: Dur,
    max_ttl: Dur,
  }),
  credentials: obj({
    issuer: Issuer,
    issuer_retired: Type.Array(obj({ value: Issuer, expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) }), {
      maxItems: 20,
    }),
    clock_skew: Dur,
  }),
  derived_tokens: obj({
    default_ttl: Dur,
    jwt_algorithm: Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256'), Type.Literal('RS256')]),
    macaroon_prefix: obj({ current: MacaroonPrefix, retired: Type.Array(MacaroonPrefix, { maxItems: 20 }) }),
  }),
  cache: obj({ enabled: Type.Boolean(), ttl: Dur }),
  rate_limit: obj({ enabled: Type.Boolean() }),
  client_ip: obj({
    source: Type.Union(['REMOTE_ADDR', 'X_FORWARDED_FOR', 'X_REAL_IP', 'CF_CONNECTING_IP', 'TRUE_CLIENT_IP'].map((v) => Type.Literal(v))),
    trusted_proxies: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 }),
  }),
  cors: obj({ enabled: Type.Boolean(), allowed_origins: Type.Array(Type.String({ maxLength: 256 }), { maxItems: 100 }) }),
});

import { Type } from 'typebox';

/**
 * Wire schemas shared by the key endpoints (Talos v2alpha1 JSON names). They check shape and size;
 * semantic checks (durations, CIDRs, metadata size) live in keys/ and answer with the same error shape.
 */
export const Text = (maxLength: number, description?: string) => Type.String({ maxLength, description });

export const KeyStatus = Type.Union(
  [Type.Literal('KEY_STATUS_UNSPECIFIED'), Type.Literal('KEY_STATUS_ACTIVE'), Type.Literal('KEY_STATUS_REVOKED'), Type.Literal('KEY_STATUS_EXPIRED')],
  { description: 'EXPIRED is computed from expire_time, never stored.' },
);
export const Visibility = Type.Union([
  Type.Literal('KEY_VISIBILITY_UNSPECIFIED'),
  Type.Literal('KEY_VISIBILITY_SECRET'),
  Type.Literal('KEY_VISIBILITY_PUBLIC'),
]);
export const RevocationReason = Type.Union([
  Type.Literal('REVOCATION_REASON_UNSPECIFIED'),
  Type.Literal('REVOCATION_REASON_KEY_COMPROMISE'),
  Type.Literal('REVOCATION_REASON_AFFILIATION_CHANGED'),
  Type.Literal('REVOCATION_REASON_SUPERSEDED'),
  Type.Literal('REVOCATION_REASON_PRIVILEGE_WITHDRAWN'),
]);

export const Scopes = Type.Array(Text(128), { maxItems: 100, description: 'Free-form scope strings (≤ 100, each ≤ 128 characters).' });
export const Metadata = Type.Record(Type.String(), Type.Unknown(), { description: 'Free JSON object, ≤ 4 KB serialised.' });
export const Duration = Text(64, 'Duration: "3600s", "24h", "1h30m", "1d", "1w", "1mo" (30 d), "1y" (365 d).');

export const RateLimitPolicySchema = Type.Object(
  {
    quota: Type.Union([Type.String({ maxLength: 20 }), Type.Integer()], { description: 'Requests per window (int64, JSON string or number).' }),
    window: Duration,
    unit: Type.Optional(Text(32, 'requests (default), content-bytes or concurrent-requests.')),
  },
  { additionalProperties: false },
);

export const IpRestrictionSchema = Type.Object({ allowed_cidrs: Type.Optional(Type.Array(Text(64), { maxItems: 100 })) }, { additionalProperties: false });

export const Timestamp = Type.String({ format: 'date-time' });

const keyFields = {
  key_id: Type.String(),
  name: Type.String(),
  actor_id: Type.String(),
  scopes: Type.Array(Type.String()),
  metadata: Metadata,
  status: KeyStatus,
  visibility: Visibility,
  create_time: Timestamp,
  update_time: Timestamp,
  expire_time: Timestamp,
  last_used_time: Timestamp,
  rate_limit_policy: Type.Object({ quota: Type.String(), window: Type.String(), unit: Type.String() }),
  ip_restriction: Type.Object({ allowed_cidrs: Type.Array(Type.String()) }),
  revocation_reason: RevocationReason,
  revocation_description: Type.String(),
};

export const IssuedApiKeySchema = Type.Object(Object.fromEntries(Object.entries(keyFields).map(([k, v]) => [k, Type.Optional(v)])), {
  $id: 'IssuedApiKey',
});

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Integer(),
      status: Type.String(),
      message: Type.String(),
      details: Type.Array(
        Type.Object({
          '@type': Type.String(),
          reason: Type.String(),
          domain: Type.String(),
          metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
        }),
      ),
    }),
  },
  { $id: 'Status', description: 'AIP-193 error.' },
);

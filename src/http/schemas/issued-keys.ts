import { Type } from 'typebox';
import { Duration, IpRestrictionSchema, IssuedApiKeySchema, Metadata, RateLimitPolicySchema, RevocationReason, Scopes, Text, Visibility } from './common.js';

export const IssueRequest = Type.Object(
  {
    name: Type.Optional(Text(255)),
    actor_id: Type.Optional(Text(255)),
    scopes: Type.Optional(Scopes),
    metadata: Type.Optional(Metadata),
    ttl: Type.Optional(Duration),
    rate_limit_policy: Type.Optional(RateLimitPolicySchema),
    ip_restriction: Type.Optional(IpRestrictionSchema),
    visibility: Type.Optional(Visibility),
    request_id: Type.Optional(Text(36, 'Idempotency key (≤ 36 characters), unique per project.')),
  },
  { additionalProperties: false },
);

export const IssueResponse = Type.Object({ issued_api_key: IssuedApiKeySchema, secret: Type.Optional(Type.String()) });

/** AIP-134: the body is the resource. Output-only fields are accepted and ignored (SDKs echo them back). */
const updatable = {
  key_id: Type.Optional(Text(64)),
  name: Type.Optional(Text(255)),
  scopes: Type.Optional(Scopes),
  metadata: Type.Optional(Metadata),
  rate_limit_policy: Type.Optional(Type.Union([RateLimitPolicySchema, Type.Null()])),
  ip_restriction: Type.Optional(Type.Union([IpRestrictionSchema, Type.Null()])),
  actor_id: Type.Optional(Text(255)),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  visibility: Type.Optional(Type.String({ maxLength: 64 })),
  create_time: Type.Optional(Type.String({ maxLength: 64 })),
  update_time: Type.Optional(Type.String({ maxLength: 64 })),
  expire_time: Type.Optional(Type.String({ maxLength: 64 })),
  last_used_time: Type.Optional(Type.String({ maxLength: 64 })),
  revocation_reason: Type.Optional(Type.String({ maxLength: 64 })),
  revocation_description: Type.Optional(Type.String({ maxLength: 500 })),
};
export const UpdateResource = Type.Object(updatable, { additionalProperties: false });
export const UpdateRequest = Type.Union([Type.Object({ issued_api_key: UpdateResource }, { additionalProperties: false }), UpdateResource]);

export const RotateRequest = Type.Object(
  {
    name: Type.Optional(Text(255)),
    scopes: Type.Optional(Scopes),
    metadata: Type.Optional(Metadata),
    rate_limit_policy: Type.Optional(RateLimitPolicySchema),
    ip_restriction: Type.Optional(IpRestrictionSchema),
    visibility: Type.Optional(Visibility),
  },
  { additionalProperties: false },
);
export const RotateResponse = Type.Object({
  issued_api_key: IssuedApiKeySchema,
  secret: Type.String(),
  old_issued_api_key: IssuedApiKeySchema,
});

export const RevokeRequest = Type.Object({ reason: Type.Optional(RevocationReason), description: Type.Optional(Text(500)) }, { additionalProperties: false });

export const KeyIdParams = Type.Object({ key_id: Type.String({ maxLength: 128 }) });

export const ListQuery = Type.Object(
  {
    page_size: Type.Optional(Type.String({ maxLength: 12, description: 'Default 50, max 1000 (larger values are clamped).' })),
    page_token: Type.Optional(Type.String({ maxLength: 4096 })),
    filter: Type.Optional(Type.String({ maxLength: 1024, description: 'AIP-160 subset: actor_id="…", status=KEY_STATUS_…, joined by AND.' })),
  },
  { additionalProperties: false },
);
export const ListIssuedResponse = Type.Object({ issued_api_keys: Type.Array(IssuedApiKeySchema), next_page_token: Type.String() });

export const UpdateMaskQuery = Type.Object({ update_mask: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: false });

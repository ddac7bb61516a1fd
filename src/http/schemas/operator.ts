import { Type } from 'typebox';
import { ProjectSettingsSchema } from '../../projects/settings-schema.js';
import { Duration, Text, Timestamp } from './common.js';

/** Wire schemas of the operator API (/operator/v1, docs/operator-api.md). Closed objects: unknown fields are 400. */
/** Printable text only: names end up in tables, logs and the console. */
const Name = Type.String({ maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]*$', description: 'Up to 255 characters, no control characters.' });
const Printable = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const Slug = Type.String({ maxLength: 63, description: 'Lowercase letters, digits and dashes; 1–63 characters.' });
const PlanName = Text(32, 'A plan name from the `plans` config.');
const Domains = Type.Array(Text(253), { maxItems: 50, description: 'Custom domains resolving to this project on the public endpoints.' });
const Algorithm = Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256'), Type.Literal('RS256')]);

export const ProjectRef = Type.Object({ project: Type.String({ maxLength: 128 }) });
export const ProjectTokenRef = Type.Object({ project: Type.String({ maxLength: 128 }), token_id: Printable(128) });

export const ProjectSchema = Type.Object(
  {
    id: Type.String(),
    slug: Type.String(),
    name: Type.String(),
    plan: Type.String(),
    api_keys_enabled: Type.Boolean(),
    custom_domains: Type.Array(Type.String()),
    create_time: Timestamp,
    update_time: Timestamp,
    usage: Type.Object({ active_keys: Type.Integer(), max_active_keys: Type.Union([Type.Integer(), Type.Null()]) }),
  },
  { $id: 'Project' },
);

export const CreateProjectRequest = Type.Object(
  {
    slug: Slug,
    name: Type.Optional(Name),
    plan: Type.Optional(PlanName),
    custom_domains: Type.Optional(Domains),
    enable_api_keys: Type.Optional(Type.Boolean({ description: 'Enable API keys right away (default false).' })),
  },
  { additionalProperties: false },
);

export const UpdateProjectRequest = Type.Object(
  { name: Type.Optional(Name), plan: Type.Optional(PlanName), custom_domains: Type.Optional(Domains) },
  { additionalProperties: false },
);

export const PageQuery = Type.Object(
  { page_size: Type.Optional(Type.String({ maxLength: 10 })), page_token: Type.Optional(Type.String({ maxLength: 512 })) },
  { additionalProperties: false },
);

export const ListProjectsResponse = Type.Object({ projects: Type.Array(ProjectSchema), next_page_token: Type.String() });

export const EnableApiKeysRequest = Type.Object({ signing_algorithm: Type.Optional(Algorithm) }, { additionalProperties: false });
export const EnableApiKeysResponse = Type.Object({ project: ProjectSchema, changed: Type.Boolean(), message: Type.String() });

export const ConfigResponse = Type.Object({ config: ProjectSettingsSchema });
export const ConfigPatch = Type.Object({}, { additionalProperties: true, description: 'RFC 7396 merge patch of `config`.' });

export const RotateHmacRequest = Type.Object(
  { retired_ttl: Type.Optional(Duration) },
  { additionalProperties: false, description: 'retired_ttl: how long the retired secret keeps verifying; absent = until removed.' },
);
export const HmacSecretsResponse = Type.Object({
  hmac_secrets: Type.Array(Type.Object({ id: Type.String(), state: Type.String(), create_time: Timestamp, expire_time: Type.Optional(Timestamp) })),
});

export const RotateSigningRequest = Type.Object(
  { mode: Type.Optional(Type.Union([Type.Literal('graceful'), Type.Literal('revoke')])), algorithm: Type.Optional(Algorithm) },
  { additionalProperties: false },
);
export const SigningKeysResponse = Type.Object({
  signing_keys: Type.Array(Type.Object({ kid: Type.String(), alg: Type.String(), state: Type.String(), create_time: Timestamp })),
});

const Permission = Type.Union([Type.Literal('admin'), Type.Literal('read'), Type.Literal('verify')]);
export const TokenSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    permissions: Type.Array(Type.String()),
    create_time: Timestamp,
    expire_time: Type.Union([Timestamp, Type.Null()]),
    revoke_time: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'ProjectApiToken' },
);
export const CreateTokenRequest = Type.Object(
  { name: Name, permissions: Type.Array(Permission, { minItems: 1, maxItems: 3 }), ttl: Type.Optional(Duration) },
  { additionalProperties: false },
);
export const CreateTokenResponse = Type.Object({ token: TokenSchema, secret: Type.String() });
export const ListTokensResponse = Type.Object({ tokens: Type.Array(TokenSchema) });

export const AuditQuerySchema = Type.Object(
  {
    page_size: Type.Optional(Type.String({ maxLength: 10 })),
    page_token: Type.Optional(Type.String({ maxLength: 512 })),
    action: Type.Optional(Printable(64)),
    key_id: Type.Optional(Printable(64)),
    actor: Type.Optional(Printable(64)),
  },
  { additionalProperties: false },
);
export const AuditEventSchema = Type.Object(
  {
    id: Type.String(),
    time: Timestamp,
    action: Type.String(),
    actor: Type.String(),
    key_id: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    request_id: Type.Optional(Type.String()),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'AuditEvent' },
);
export const ListAuditResponse = Type.Object({ audit_events: Type.Array(AuditEventSchema), next_page_token: Type.String() });

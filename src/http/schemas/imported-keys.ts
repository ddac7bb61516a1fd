import { Type } from 'typebox';
import { IssuedApiKeySchema, Text } from './common.js';
import { IssueRequest, UpdateResource } from './issued-keys.js';

/** The imported-key resource has the issued key's fields (Talos ImportedApiKey). */
export const ImportedApiKeySchema = Type.Object(IssuedApiKeySchema.properties, { $id: 'ImportedApiKey' });

/** An import takes what an issue takes, plus the key itself (name and actor_id are required here). */
const importFields = {
  raw_key: Type.Optional(Text(1024, 'The key as issued by the other system. Never stored: only its tenant-bound hash.')),
  sha256: Type.Optional(Text(64, 'Keysmith extension, instead of raw_key: the SHA-256 digest of the key (hex or base64).')),
  ...IssueRequest.properties,
  name: Type.Optional(Text(255, 'Required.')),
  actor_id: Type.Optional(Text(255, 'Required.')),
};
export const ImportRequest = Type.Object(importFields, { additionalProperties: false, $id: 'ImportApiKeyRequest' });

export const BatchImportRequest = Type.Object(
  {
    requests: Type.Array(Type.Unknown({ description: 'An ImportApiKeyRequest; each item is validated on its own (per-item errors).' }), {
      minItems: 1,
      maxItems: 1000,
    }),
  },
  { additionalProperties: false },
);

export const BatchImportResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      index: Type.Integer(),
      imported_api_key: Type.Optional(ImportedApiKeySchema),
      replayed: Type.Optional(Type.Boolean({ description: 'Keysmith extension: the request_id was used before; this is the existing key.' })),
      error_code: Type.Optional(Type.String()),
      error_message: Type.Optional(Type.String()),
    }),
  ),
  success_count: Type.Integer(),
  failure_count: Type.Integer(),
});

export const ListImportedResponse = Type.Object({ imported_api_keys: Type.Array(ImportedApiKeySchema), next_page_token: Type.String() });

export const UpdateImportedRequest = Type.Union([Type.Object({ imported_api_key: UpdateResource }, { additionalProperties: false }), UpdateResource]);

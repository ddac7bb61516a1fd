// Wire shapes of the admin calls on issued keys (SPEC §2–§3, Talos v2alpha1), as the CLI sees them.
// Deliberately loose (every field optional, enums as plain strings): the CLI displays what the
// server returns and must not break when a newer server adds a field or an enum value.

export interface RateLimitPolicy {
  /** int64 on the wire, hence a string (as in the Ory SDK's `RateLimitPolicy`). */
  quota?: string;
  window?: string;
  unit?: string;
}

export interface IpRestriction {
  allowed_cidrs?: string[];
}

/** The fields a caller may set on issue, update or rotate. */
export interface KeyFields {
  name?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  /** `null` clears the policy on update (AIP-134 clear, as Talos documents it). */
  rate_limit_policy?: RateLimitPolicy | null;
  ip_restriction?: IpRestriction;
}

export interface IssueKeyBody extends KeyFields {
  actor_id?: string;
  ttl?: string;
  visibility?: string;
  request_id?: string;
}

export interface RotateKeyBody extends KeyFields {
  visibility?: string;
}

export interface RevokeKeyBody {
  reason?: string;
  description?: string;
}

export interface IssuedApiKey extends KeyFields {
  key_id: string;
  actor_id?: string;
  status?: string;
  visibility?: string;
  create_time?: string;
  update_time?: string;
  expire_time?: string;
  last_used_time?: string;
  revocation_reason?: string;
  revocation_description?: string;
  [field: string]: unknown;
}

export interface IssueKeyResponse {
  issued_api_key: IssuedApiKey;
  /** Absent on an idempotent replay of a `request_id`. */
  secret?: string;
}

export interface RotateKeyResponse {
  issued_api_key: IssuedApiKey;
  secret?: string;
  old_issued_api_key?: IssuedApiKey;
}

export interface ListKeysParams {
  pageSize?: number;
  pageToken?: string;
  filter?: string;
}

export interface ListKeysResponse {
  issued_api_keys: IssuedApiKey[];
  next_page_token?: string;
}

export interface VerifyResult {
  is_valid: boolean;
  error_code?: string;
  error_message?: string;
  [field: string]: unknown;
}

/**
 * One item of `importedApiKeys:batchCreate` (SPEC §3 "Batch import"). Exactly one of `raw_key` and
 * `sha256` (Keysmith extension: a hex or base64 SHA-256 digest, for keys known only by hash).
 */
export interface ImportKeyRequest {
  raw_key?: string;
  sha256?: string;
  name: string;
  actor_id: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  ttl?: string;
  rate_limit_policy?: RateLimitPolicy;
  ip_restriction?: IpRestriction;
  visibility?: string;
  request_id?: string;
}

/** Per-item outcome: `imported_api_key` on success, else `error_code` + `error_message`. */
export interface BatchImportResult {
  index: number;
  imported_api_key?: Record<string, unknown>;
  /** True when the `request_id` was already used: the key exists from an earlier call. */
  replayed?: boolean;
  /** `BATCH_CREATE_IMPORTED_API_KEYS_ERROR_{INVALID_ARGUMENT|ALREADY_EXISTS|FAILED_PRECONDITION|INTERNAL|RESOURCE_EXHAUSTED}`. */
  error_code?: string;
  error_message?: string;
}

/** 200 answer (≥ 1 item succeeded); when every item fails the server answers an AIP-193 error. */
export interface BatchImportResponse {
  results: BatchImportResult[];
  success_count?: number;
  failure_count?: number;
}

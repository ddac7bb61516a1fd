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

// Wire shapes of the Keysmith /v2alpha1 API (Ory Talos v2alpha1 compatible), written by hand from
// docs/openapi.json — the server's own OpenAPI document — and kept in this one file so a diff against
// it is easy to review. Field names are the wire's (snake_case) on purpose: what you log or store is
// exactly what the server sent. Enums are closed unions for the values the server sends today; a
// newer server may add values, so code that switches on them should keep a default branch.

export type KeyStatus = 'KEY_STATUS_UNSPECIFIED' | 'KEY_STATUS_ACTIVE' | 'KEY_STATUS_REVOKED' | 'KEY_STATUS_EXPIRED';
export type KeyVisibility = 'KEY_VISIBILITY_UNSPECIFIED' | 'KEY_VISIBILITY_SECRET' | 'KEY_VISIBILITY_PUBLIC';
export type RevocationReason =
  | 'REVOCATION_REASON_UNSPECIFIED'
  | 'REVOCATION_REASON_KEY_COMPROMISE'
  | 'REVOCATION_REASON_AFFILIATION_CHANGED'
  | 'REVOCATION_REASON_SUPERSEDED'
  | 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN';
export type TokenAlgorithm = 'TOKEN_ALGORITHM_UNSPECIFIED' | 'TOKEN_ALGORITHM_JWT' | 'TOKEN_ALGORITHM_MACAROON';
export type VerificationErrorCode =
  | 'VERIFICATION_ERROR_INVALID_FORMAT'
  | 'VERIFICATION_ERROR_EXPIRED'
  | 'VERIFICATION_ERROR_REVOKED'
  | 'VERIFICATION_ERROR_NOT_FOUND'
  | 'VERIFICATION_ERROR_SIGNATURE_INVALID'
  | 'VERIFICATION_ERROR_INTERNAL'
  | 'VERIFICATION_ERROR_IP_NOT_ALLOWED'
  | 'VERIFICATION_ERROR_RATE_LIMITED';
export type BatchImportErrorCode =
  | 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_INVALID_ARGUMENT'
  | 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_ALREADY_EXISTS'
  | 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_FAILED_PRECONDITION'
  | 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_INTERNAL'
  | 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_RESOURCE_EXHAUSTED';

/** As returned: `quota` is an int64, hence a decimal string. */
export interface RateLimitPolicy {
  quota: string;
  window: string;
  unit: string;
}
/** As sent: `quota` may be a number or a decimal string; `unit` is optional. */
export interface RateLimitPolicyInput {
  quota: string | number;
  window: string;
  unit?: string;
}
export interface IpRestriction {
  allowed_cidrs: string[];
}
export interface IpRestrictionInput {
  allowed_cidrs?: string[];
}

/** components.schemas.IssuedApiKey (ImportedApiKey has the same shape). */
export interface IssuedApiKey {
  key_id?: string;
  name?: string;
  actor_id?: string;
  scopes?: string[];
  /** Free JSON object, ≤ 4 KB serialised. */
  metadata?: Record<string, unknown>;
  /** EXPIRED is computed from expire_time, never stored. */
  status?: KeyStatus;
  visibility?: KeyVisibility;
  create_time?: string;
  update_time?: string;
  expire_time?: string;
  last_used_time?: string;
  rate_limit_policy?: RateLimitPolicy;
  ip_restriction?: IpRestriction;
  revocation_reason?: RevocationReason;
  revocation_description?: string;
}
export type ImportedApiKey = IssuedApiKey;

/** POST /v2alpha1/admin/issuedApiKeys */
export interface IssueApiKeyRequest {
  name?: string;
  actor_id?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  /** Duration: "3600s", "24h", "1h30m", "1d", "1w", "1mo", "1y". */
  ttl?: string;
  rate_limit_policy?: RateLimitPolicyInput;
  ip_restriction?: IpRestrictionInput;
  visibility?: KeyVisibility;
  /** Idempotency key (≤ 36 chars): a repeat returns the original key without `secret`. */
  request_id?: string;
}
export interface IssueApiKeyResponse {
  issued_api_key: IssuedApiKey;
  /** Only on first issue; absent on an idempotent replay. */
  secret?: string;
}

/** PATCH …/{key_id}?update_mask= — the mutable fields; `null` clears a policy or restriction. */
export interface UpdateApiKeyRequest {
  name?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  rate_limit_policy?: RateLimitPolicyInput | null;
  ip_restriction?: IpRestrictionInput | null;
}
export type UpdateMaskField = 'name' | 'scopes' | 'metadata' | 'rate_limit_policy' | 'ip_restriction';

/** POST …/issuedApiKeys/{key_id}:rotate — absent fields are inherited from the old key. */
export interface RotateIssuedApiKeyRequest {
  name?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  rate_limit_policy?: RateLimitPolicyInput;
  ip_restriction?: IpRestrictionInput;
  visibility?: KeyVisibility;
}
export interface RotateIssuedApiKeyResponse {
  issued_api_key: IssuedApiKey;
  secret: string;
  old_issued_api_key: IssuedApiKey;
}

/** POST …:revoke (issued, imported, and the apiKeys alias). */
export interface RevokeApiKeyRequest {
  /** The OpenAPI schema marks it optional, but the server refuses a revoke without a reason (400). */
  reason: RevocationReason;
  /** Only with REVOCATION_REASON_PRIVILEGE_WITHDRAWN; ≤ 500 chars. */
  description?: string;
}

/** GET …/issuedApiKeys and …/importedApiKeys */
export interface ListApiKeysParams {
  /** AIP-160 subset: `actor_id="…"`, `status=KEY_STATUS_…`, joined by `AND`. */
  filter?: string;
  /** Default 50, clamped to 1000. */
  page_size?: number;
  /** Opaque; from the previous page's `next_page_token`. */
  page_token?: string;
}
export interface ListIssuedApiKeysResponse {
  issued_api_keys: IssuedApiKey[];
  /** Empty on the last page. */
  next_page_token: string;
}
export interface ListImportedApiKeysResponse {
  imported_api_keys: ImportedApiKey[];
  next_page_token: string;
}

/** POST /v2alpha1/admin/importedApiKeys */
export interface ImportApiKeyRequest {
  /** The key from the other system; stored only as a hash. */
  raw_key?: string;
  sha256?: string;
  name?: string;
  actor_id?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  ttl?: string;
  rate_limit_policy?: RateLimitPolicyInput;
  ip_restriction?: IpRestrictionInput;
  visibility?: KeyVisibility;
  request_id?: string;
}
/** POST /v2alpha1/admin/importedApiKeys:batchCreate — 1–1000 items. */
export interface BatchImportApiKeysRequest {
  requests: ImportApiKeyRequest[];
}
export interface BatchImportResult {
  index: number;
  imported_api_key?: ImportedApiKey;
  /** True when a repeated request_id returned the original key. */
  replayed?: boolean;
  error_code?: BatchImportErrorCode;
  error_message?: string;
}
export interface BatchImportApiKeysResponse {
  results: BatchImportResult[];
  success_count: number;
  failure_count: number;
}

/** POST /v2alpha1/admin/apiKeys:verify — always 200 for a well-formed request: check `is_valid`. */
export interface VerifyApiKeyRequest {
  credential: string;
}
export interface VerifyApiKeyResponse {
  is_valid: boolean;
  status?: KeyStatus;
  key_id?: string;
  actor_id?: string;
  issuer?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  visibility?: KeyVisibility;
  expire_time?: string;
  rate_limit_policy?: RateLimitPolicy;
  rate_limit_remaining?: string;
  rate_limit_reset_time?: string;
  error_code?: VerificationErrorCode;
  error_message?: string;
}
/** POST /v2alpha1/admin/apiKeys:batchVerify — 1–100 items, results in the same order. */
export interface BatchVerifyApiKeysRequest {
  requests: VerifyApiKeyRequest[];
}
export interface BatchVerifyApiKeysResponse {
  results: VerifyApiKeyResponse[];
}

/** POST /v2alpha1/admin/apiKeys:derive */
export interface DeriveTokenRequest {
  credential: string;
  algorithm?: TokenAlgorithm;
  /** Default 1h; ≤ the parent's remaining life and the project maximum. */
  ttl?: string;
  /** ⊆ the parent's scopes; empty = all of them. */
  scopes?: string[];
  /** ≤ 4 KB; reserved claim names are stripped by the server. */
  custom_claims?: Record<string, unknown>;
}
export interface DerivedToken {
  token: string;
  expire_time: string;
  scopes: string[];
  claims: Record<string, unknown>;
}
export interface DeriveTokenResponse {
  token: DerivedToken;
}

/** POST /v2alpha1/apiKeys:selfRevoke (public surface; the credential is the proof of possession). */
export interface SelfRevokeApiKeyRequest {
  credential: string;
  /** PRIVILEGE_WITHDRAWN is refused (400): it is an administrator's reason. */
  reason?: RevocationReason;
  description?: string;
}

/** GET /.well-known/jwks.json (RFC 7517) and /v2alpha1/derivedKeys/jwks.json ({"jwks": …}). */
export interface JsonWebKeySet {
  keys: Record<string, unknown>[];
}

/** AIP-193 error body, as every non-2xx answer carries it. */
export interface ErrorInfo {
  '@type': string;
  reason: string;
  domain: string;
  metadata?: Record<string, string>;
}
export interface ErrorBody {
  error: {
    code: number;
    status: string;
    message: string;
    details: ErrorInfo[];
  };
}

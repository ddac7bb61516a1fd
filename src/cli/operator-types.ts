// Wire shapes of the operator API (/operator/v1, docs/operator-api.md) as the CLI sees them.
// Deliberately loose, like api-types.ts: the CLI displays what the server returns and must not break
// when a newer server adds a field or an enum value.

export interface ProjectUsage {
  active_keys?: number;
  /** `null` = unlimited. */
  max_active_keys?: number | null;
}

export interface Project {
  id: string;
  slug: string;
  name?: string;
  plan?: string;
  api_keys_enabled?: boolean;
  custom_domains?: string[];
  create_time?: string;
  update_time?: string;
  usage?: ProjectUsage;
  [field: string]: unknown;
}

export interface CreateProjectBody {
  slug: string;
  name?: string;
  plan?: string;
  custom_domains?: string[];
  enable_api_keys?: boolean;
}

export interface UpdateProjectBody {
  name?: string;
  plan?: string;
  custom_domains?: string[];
}

export interface PageParams {
  pageSize?: number;
  pageToken?: string;
}

export interface ListProjectsResponse {
  projects: Project[];
  next_page_token: string;
}

export interface EnableApiKeysResponse {
  project: Project;
  changed: boolean;
  message?: string;
}

/** The project's `config` object (SPEC §4); its fields are the server's business. */
export type ProjectConfig = Record<string, unknown>;

export interface ConfigResponse {
  config: ProjectConfig;
}

export interface HmacSecret {
  id: string;
  state?: string;
  create_time?: string;
  expire_time?: string;
  [field: string]: unknown;
}

export interface HmacSecretsResponse {
  hmac_secrets: HmacSecret[];
}

export interface SigningKey {
  kid: string;
  alg?: string;
  state?: string;
  create_time?: string;
  [field: string]: unknown;
}

export interface SigningKeysResponse {
  signing_keys: SigningKey[];
}

export interface RotateSigningKeyBody {
  mode?: string;
  algorithm?: string;
}

export interface ProjectToken {
  id: string;
  name?: string;
  permissions?: string[];
  create_time?: string;
  expire_time?: string | null;
  revoke_time?: string | null;
  [field: string]: unknown;
}

export interface CreateTokenBody {
  name: string;
  permissions: string[];
  ttl?: string;
}

export interface CreateTokenResponse {
  token: ProjectToken;
  /** The `ks_pat_…` secret: in this response only. */
  secret: string;
}

export interface ListTokensResponse {
  tokens: ProjectToken[];
}

export interface AuditEvent {
  id: string;
  time?: string;
  action?: string;
  /** `token:<id>`, `operator`, `self` or `system`. */
  actor?: string;
  key_id?: string;
  reason?: string;
  request_id?: string;
  details?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ListAuditParams extends PageParams {
  action?: string;
  keyId?: string;
  actor?: string;
}

export interface ListAuditResponse {
  audit_events: AuditEvent[];
  next_page_token: string;
}

import type { ColumnType } from 'kysely';

/** Kysely table types. Timestamps are epoch milliseconds (BIGINT), JSON is TEXT: portable across the three dialects. */
export interface ApiKeysTable {
  project_id: string;
  key_id: string;
  kind: string;
  name: string;
  actor_id: string | null;
  scopes: string;
  metadata: string;
  status: number;
  visibility: number;
  token_prefix: string | null;
  lookup_hash: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  rate_limit_quota: number | null;
  rate_limit_window_ms: number | null;
  rate_limit_unit: string | null;
  allowed_cidrs: string | null;
  revocation_reason: number | null;
  revocation_description: string | null;
  request_id: string | null;
}

export interface ProjectsTable {
  id: string;
  slug: string;
  name: string;
  plan: string;
  api_keys_enabled: number;
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface ProjectSecretsTable {
  project_id: string;
  secret_id: string;
  kind: string;
  algorithm: string;
  state: string;
  sealed: string;
  public_jwk: string | null;
  created_at: number;
  expires_at: number | null;
}

export interface ApiTokensTable {
  token_id: string;
  project_id: string;
  name: string;
  token_hash: string;
  permissions: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface ProjectUsageTable {
  project_id: string;
  active_keys: number;
  /** 1 when the project may hold keys under a legacy SHA-256 digest (migration 0003); defaults to 0. */
  legacy_digests: ColumnType<number, number | undefined, number>;
}

export interface ProjectDomainsTable {
  domain: string;
  project_id: string;
}

export interface AuditEventsTable {
  project_id: string;
  event_id: string;
  at: number;
  action: string;
  actor: string;
  key_id: string | null;
  reason: string | null;
  request_id: string | null;
  details: string;
}

export interface Database {
  project_usage: ProjectUsageTable;
  project_domains: ProjectDomainsTable;
  audit_events: AuditEventsTable;
  api_keys: ApiKeysTable;
  projects: ProjectsTable;
  project_secrets: ProjectSecretsTable;
  api_tokens: ApiTokensTable;
}

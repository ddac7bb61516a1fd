export interface ApiKey {
  key_id: string;
  name: string;
  actor_id: string;
  scopes: string[];
  metadata: Record<string, unknown>;
  status: string;
  visibility: string;
  create_time?: string;
  update_time?: string;
  expire_time?: string;
  last_used_time?: string;
  rate_limit_policy?: { quota: string; window: string; unit?: string };
  ip_restriction?: { allowed_cidrs?: string[] };
  revocation_reason?: string;
  revocation_description?: string;
}

export interface Project {
  id: string;
  slug: string;
  name: string;
  plan: string;
  api_keys_enabled: boolean;
  usage?: { active_keys: number; max_active_keys: number | null };
}

export interface Session {
  kind: 'operator' | 'project';
  project_id: string | null;
}

export type KeyKind = 'issued' | 'imported';

export const STATUSES = ['KEY_STATUS_ACTIVE', 'KEY_STATUS_REVOKED', 'KEY_STATUS_EXPIRED'];
export const REASONS = [
  'REVOCATION_REASON_KEY_COMPROMISE',
  'REVOCATION_REASON_AFFILIATION_CHANGED',
  'REVOCATION_REASON_SUPERSEDED',
  'REVOCATION_REASON_PRIVILEGE_WITHDRAWN',
];

/** KEY_STATUS_ACTIVE → Active. */
export const label = (enumValue: string | undefined): string => {
  if (!enumValue) return '';
  const tail = enumValue.replace(/^(KEY_STATUS|KEY_VISIBILITY|REVOCATION_REASON|VERIFICATION_ERROR|TOKEN_ALGORITHM)_/, '').toLowerCase().replace(/_/g, ' ');
  return tail.charAt(0).toUpperCase() + tail.slice(1);
};

export const when = (t: string | undefined): string => (t ? new Date(t).toISOString().replace('T', ' ').slice(0, 16) : '—');

/** "a, b c" → ['a','b','c']. */
export const list = (s: string): string[] => s.split(/[\s,]+/).filter(Boolean);

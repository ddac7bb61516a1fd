import type { KeyRecord, RevocationReason } from '../records.js';
import type { ApiKeysTable } from './tables.js';

/** Mapping between stored rows and KeyRecord. Enum numbers match the Talos proto values. */
const REASONS: RevocationReason[] = ['KEY_COMPROMISE', 'AFFILIATION_CHANGED', 'SUPERSEDED', 'PRIVILEGE_WITHDRAWN'];
export const STATUS_ACTIVE = 1;
export const STATUS_REVOKED = 2;

export const KEY_COLUMNS = [
  'key_id',
  'kind',
  'name',
  'actor_id',
  'scopes',
  'metadata',
  'status',
  'visibility',
  'token_prefix',
  'lookup_hash',
  'created_at',
  'updated_at',
  'expires_at',
  'last_used_at',
  'rate_limit_quota',
  'rate_limit_window_ms',
  'rate_limit_unit',
  'allowed_cidrs',
  'revocation_reason',
  'revocation_description',
  'request_id',
] as const;

export type KeyRow = Omit<ApiKeysTable, 'project_id'>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function rowToKey(row: KeyRow): KeyRecord {
  const quota = num(row.rate_limit_quota);
  return {
    keyId: row.key_id,
    kind: row.kind as KeyRecord['kind'],
    name: row.name,
    actorId: row.actor_id,
    scopes: JSON.parse(row.scopes) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    status: Number(row.status) === STATUS_REVOKED ? 'revoked' : 'active',
    visibility: Number(row.visibility) === 2 ? 'public' : 'secret',
    tokenPrefix: row.token_prefix,
    lookupHash: row.lookup_hash,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: num(row.expires_at),
    lastUsedAt: num(row.last_used_at),
    rateLimit: quota === null ? null : { quota, windowMs: Number(row.rate_limit_window_ms), unit: row.rate_limit_unit ?? 'requests' },
    allowedCidrs: row.allowed_cidrs ? (JSON.parse(row.allowed_cidrs) as string[]) : [],
    revocationReason: row.revocation_reason ? (REASONS[Number(row.revocation_reason) - 1] ?? null) : null,
    revocationDescription: row.revocation_description,
    requestId: row.request_id,
  };
}

export function keyToRow(projectId: string, k: KeyRecord): ApiKeysTable {
  return {
    project_id: projectId,
    key_id: k.keyId,
    kind: k.kind,
    name: k.name,
    actor_id: k.actorId,
    scopes: JSON.stringify(k.scopes),
    metadata: JSON.stringify(k.metadata),
    status: k.status === 'revoked' ? STATUS_REVOKED : STATUS_ACTIVE,
    visibility: k.visibility === 'public' ? 2 : 1,
    token_prefix: k.tokenPrefix,
    lookup_hash: k.lookupHash,
    created_at: k.createdAt,
    updated_at: k.updatedAt,
    expires_at: k.expiresAt,
    last_used_at: k.lastUsedAt,
    rate_limit_quota: k.rateLimit?.quota ?? null,
    rate_limit_window_ms: k.rateLimit?.windowMs ?? null,
    rate_limit_unit: k.rateLimit?.unit ?? null,
    allowed_cidrs: k.allowedCidrs.length ? JSON.stringify(k.allowedCidrs) : null,
    revocation_reason: reasonToNumber(k.revocationReason),
    revocation_description: k.revocationDescription,
    request_id: k.requestId,
  };
}

export const reasonToNumber = (r: RevocationReason | null): number | null => (r ? REASONS.indexOf(r) + 1 : null);

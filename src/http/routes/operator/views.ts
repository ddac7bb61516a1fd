import type { ProjectSecretRecord } from '../../../store/records.js';
import type { ApiTokenRecord, AuditEvent, ProjectRecord } from '../../../store/records.js';
import { rfc3339 } from '../../../shared/time-format.js';

/** JSON views of the operator API resources (docs/operator-api.md). Never any secret material. */
export function toProject(p: ProjectRecord, domains: string[], usage: { activeKeys: number; maxActiveKeys: number | null }) {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    plan: p.plan,
    api_keys_enabled: p.apiKeysEnabled,
    custom_domains: domains,
    create_time: rfc3339(p.createdAt),
    update_time: rfc3339(p.updatedAt),
    usage: { active_keys: usage.activeKeys, max_active_keys: usage.maxActiveKeys },
  };
}

export const toToken = (t: ApiTokenRecord) => ({
  id: t.tokenId,
  name: t.name,
  permissions: t.permissions,
  create_time: rfc3339(t.createdAt),
  expire_time: rfc3339(t.expiresAt) ?? null,
  revoke_time: rfc3339(t.revokedAt) ?? null,
});

export const toAuditEvent = (e: AuditEvent) => ({
  id: e.eventId,
  time: rfc3339(e.at),
  action: e.action,
  actor: e.actor,
  ...(e.keyId ? { key_id: e.keyId } : {}),
  ...(e.reason ? { reason: e.reason } : {}),
  ...(e.requestId ? { request_id: e.requestId } : {}),
  details: e.details,
});

export const toHmacSecret = (s: ProjectSecretRecord) => ({
  id: s.secretId,
  state: s.state,
  create_time: rfc3339(s.createdAt),
  ...(s.expiresAt !== null ? { expire_time: rfc3339(s.expiresAt) } : {}),
});

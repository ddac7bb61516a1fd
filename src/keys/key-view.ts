import { formatDuration } from '../shared/duration.js';
import { rfc3339 } from '../shared/time-format.js';
import type { KeyRecord } from '../store/records.js';

export type ApiStatus = 'KEY_STATUS_ACTIVE' | 'KEY_STATUS_REVOKED' | 'KEY_STATUS_EXPIRED';

/** Status as the API shows it: EXPIRED is computed (status is checked before expiry, as Talos). */
export function apiStatus(k: Pick<KeyRecord, 'status' | 'expiresAt'>, now: number): ApiStatus {
  if (k.status === 'revoked') return 'KEY_STATUS_REVOKED';
  if (k.expiresAt !== null && k.expiresAt <= now) return 'KEY_STATUS_EXPIRED';
  return 'KEY_STATUS_ACTIVE';
}

export const apiVisibility = (k: Pick<KeyRecord, 'visibility'>) => (k.visibility === 'public' ? 'KEY_VISIBILITY_PUBLIC' : 'KEY_VISIBILITY_SECRET');

export const apiRateLimit = (k: Pick<KeyRecord, 'rateLimit'>) =>
  k.rateLimit ? { quota: String(k.rateLimit.quota), window: formatDuration(k.rateLimit.windowMs), unit: k.rateLimit.unit } : undefined;

/** The IssuedApiKey / ImportedApiKey resource. Never contains secret material. */
export function toApiKey(k: KeyRecord, now: number): Record<string, unknown> {
  return {
    key_id: k.keyId,
    name: k.name,
    actor_id: k.actorId ?? '',
    scopes: k.scopes,
    metadata: k.metadata,
    status: apiStatus(k, now),
    visibility: apiVisibility(k),
    create_time: rfc3339(k.createdAt),
    update_time: rfc3339(k.updatedAt),
    expire_time: rfc3339(k.expiresAt),
    last_used_time: rfc3339(k.lastUsedAt),
    rate_limit_policy: apiRateLimit(k),
    ip_restriction: { allowed_cidrs: k.allowedCidrs },
    revocation_reason: k.revocationReason ? `REVOCATION_REASON_${k.revocationReason}` : undefined,
    revocation_description: k.revocationDescription ?? undefined,
  };
}

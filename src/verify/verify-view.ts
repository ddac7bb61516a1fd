import { apiRateLimit, apiStatus, apiVisibility } from '../keys/key-view.js';
import { rfc3339 } from '../shared/time-format.js';
import type { VerifyOutcome } from './verify-result.js';

/**
 * The VerifyApiKeyResponse. A valid result carries the key's claims; an invalid one carries the error
 * code and message, plus key_id/status only when possession was proven (revoked or expired keys).
 */
export function toVerifyResponse(o: VerifyOutcome, issuer: string, now: number): Record<string, unknown> {
  const k = o.key;
  if (o.valid && k) {
    return {
      is_valid: true,
      status: 'KEY_STATUS_ACTIVE',
      key_id: k.keyId,
      actor_id: k.actorId ?? '',
      issuer,
      scopes: k.scopes,
      metadata: k.metadata,
      visibility: apiVisibility(k),
      expire_time: rfc3339(k.expiresAt),
      rate_limit_policy: apiRateLimit(k),
    };
  }
  return {
    is_valid: false,
    error_code: o.error,
    error_message: o.message,
    ...(k ? { key_id: k.keyId, status: apiStatus(k, now) } : {}),
  };
}

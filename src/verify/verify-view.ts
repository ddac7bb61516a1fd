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
      ...rateLimitFields(o),
    };
  }
  return {
    is_valid: false,
    error_code: o.error,
    error_message: o.message,
    ...(k ? { key_id: k.keyId, status: apiStatus(k, now) } : {}),
    ...(o.error === 'VERIFICATION_ERROR_RATE_LIMITED' && k ? { rate_limit_policy: apiRateLimit(k), ...rateLimitFields(o) } : {}),
  };
}

/**
 * rate_limit_remaining (int64 as a string) and rate_limit_reset_time (when the budget is full again;
 * see ratelimit/gcra.ts) — only where a limiter decided: absent when not enforced or failed open.
 */
function rateLimitFields(o: VerifyOutcome): Record<string, string> {
  const d = o.rateLimit?.decision;
  if (!d || d.decision === 'fail_open') return {};
  return { rate_limit_remaining: String(d.remaining), rate_limit_reset_time: new Date(d.resetAt).toISOString() };
}

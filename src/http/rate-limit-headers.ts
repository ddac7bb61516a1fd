import type { VerifyOutcome } from '../verify/verify-result.js';

/** RFC 8941 sf-integer has at most 15 digits; a larger quota is shown as the largest one. */
const SF_INTEGER_MAX = 999_999_999_999_999;

/**
 * The rate-limit response headers of a verify, in the structured-field syntax of
 * draft-ietf-httpapi-ratelimit-headers (policy name "default", one policy per key):
 *   RateLimit-Policy: "default";q=<quota>;w=<window seconds>[;qu="<unit>"]   every key with a policy
 *   RateLimit:        "default";r=<remaining>;t=<seconds until full again>   when a limiter decided
 *   Retry-After:      <seconds until one more unit, ≥ 1>                      when refused
 * What r and t mean for GCRA: ratelimit/gcra.ts. Failed open (limiter unreachable) → the policy only,
 * as there is no count to report. The one place these are computed: every HTTP path that answers a
 * verify calls this, so they cannot drift apart. Names in lower case, like every header VerifyEndpoint sets.
 */
export function rateLimitHeaders(outcome: VerifyOutcome, now: number): Record<string, string> {
  const rl = outcome.rateLimit;
  if (!rl) return {};
  const { policy, decision } = rl;
  const q = Math.min(policy.quota, SF_INTEGER_MAX);
  const w = Math.ceil(policy.windowMs / 1000);
  // The unit is one of a closed set (keys/key-input.ts), so it needs no escaping inside the sf-string.
  const headers: Record<string, string> = {
    'ratelimit-policy': `"default";q=${q};w=${w}${policy.unit === 'requests' ? '' : `;qu="${policy.unit}"`}`,
  };
  if (!decision || decision.decision === 'fail_open') return headers;
  const t = Math.max(0, Math.ceil((decision.resetAt - now) / 1000));
  headers.ratelimit = `"default";r=${Math.min(decision.remaining, SF_INTEGER_MAX)};t=${t}`;
  if (decision.decision === 'limited') headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}

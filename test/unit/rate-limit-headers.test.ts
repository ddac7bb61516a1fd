import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rateLimitHeaders } from '../../src/http/rate-limit-headers.js';
import type { RateLimitNote } from '../../src/verify/rate-limit-step.js';
import type { VerifyOutcome } from '../../src/verify/verify-result.js';

const NOW = 1_800_000_000_000;
const policy = { quota: 100, windowMs: 60_000, unit: 'requests' };
const o = (rateLimit?: RateLimitNote): VerifyOutcome => ({ valid: true, type: 'issued', rateLimit });

test('rateLimitHeaders: structured fields of draft-ietf-httpapi-ratelimit-headers, per decision', () => {
  const cases: [string, VerifyOutcome, Record<string, string>][] = [
    ['no policy', o(), {}],
    ['not enforced: the policy only', o({ policy }), { 'ratelimit-policy': '"default";q=100;w=60' }],
    [
      'allowed',
      o({ policy, decision: { decision: 'allowed', remaining: 42, resetAt: NOW + 16_001, retryAfterMs: 0 } }),
      { 'ratelimit-policy': '"default";q=100;w=60', ratelimit: '"default";r=42;t=17' },
    ],
    [
      'limited: Retry-After in whole seconds, at least 1',
      o({ policy, decision: { decision: 'limited', remaining: 0, resetAt: NOW + 60_000, retryAfterMs: 1 } }),
      { 'ratelimit-policy': '"default";q=100;w=60', ratelimit: '"default";r=0;t=60', 'retry-after': '1' },
    ],
    [
      'limited, 600 ms + 2 s to wait → 3',
      o({ policy, decision: { decision: 'limited', remaining: 0, resetAt: NOW + 60_000, retryAfterMs: 2600 } }),
      { 'ratelimit-policy': '"default";q=100;w=60', ratelimit: '"default";r=0;t=60', 'retry-after': '3' },
    ],
    ['failed open: no count to report', o({ policy, decision: { decision: 'fail_open' } }), { 'ratelimit-policy': '"default";q=100;w=60' }],
    [
      'other unit, sub-second window fraction, quota past sf-integer',
      o({ policy: { quota: Number.MAX_SAFE_INTEGER, windowMs: 1500, unit: 'content-bytes' } }),
      { 'ratelimit-policy': '"default";q=999999999999999;w=2;qu="content-bytes"' },
    ],
  ];
  for (const [name, outcome, want] of cases) assert.deepEqual(rateLimitHeaders(outcome, NOW), want, name);
});

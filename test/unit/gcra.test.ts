import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cleanRateLimit } from '../../src/keys/key-input.js';
import { type GcraDecision, type GcraPolicy, type GcraState, gcra } from '../../src/ratelimit/gcra.js';
import { MemoryRateLimiter } from '../../src/ratelimit/memory-rate-limiter.js';

const T0 = 1_800_000_000_000;

/** Drives gcra() like an adapter does: store the returned state after every call. */
function limiter(policy: GcraPolicy) {
  let state: GcraState | undefined;
  return (now: number): GcraDecision => {
    const d = gcra(state, now, policy);
    state = d.state;
    return d;
  };
}

describe('GCRA (pure): quota 10 per 60 s, frozen clock', () => {
  const policy = { quota: 10, windowMs: 60_000 }; // T = 6 s

  test('a fresh key spends its whole quota in one instant; the 11th call is refused; exact remaining/reset/retry', () => {
    const hit = limiter(policy);
    for (let i = 1; i <= 10; i++) {
      const d = hit(T0);
      assert.equal(d.allowed, true, `call ${i}`);
      assert.equal(d.remaining, 10 - i, `remaining after call ${i}`);
      assert.equal(d.resetAt, T0 + i * 6000, `full again after call ${i}`);
      assert.equal(d.retryAfterMs, 0);
    }
    const refused = hit(T0);
    assert.deepEqual(
      { allowed: refused.allowed, remaining: refused.remaining, resetAt: refused.resetAt, retryAfterMs: refused.retryAfterMs },
      { allowed: false, remaining: 0, resetAt: T0 + 60_000, retryAfterMs: 6000 },
    );
    // A refusal consumes nothing: still exactly 6 s to wait, 1 ms before it still refused (1 ms to go).
    assert.equal(hit(T0).retryAfterMs, 6000);
    const early = hit(T0 + 5999);
    assert.deepEqual([early.allowed, early.retryAfterMs], [false, 1]);
    // After exactly T one more is admitted — and only one.
    const next = hit(T0 + 6000);
    assert.deepEqual([next.allowed, next.remaining, next.resetAt], [true, 0, T0 + 66_000]);
    assert.deepEqual([hit(T0 + 6000).allowed, hit(T0 + 6000).retryAfterMs], [false, 6000]);
  });

  test('refill: after 12 s idle two units are back; after a full window the budget is whole again', () => {
    const hit = limiter(policy);
    for (let i = 0; i < 10; i++) hit(T0);
    const d = hit(T0 + 12_000);
    assert.deepEqual([d.allowed, d.remaining], [true, 1]);
    const full = hit(T0 + 12_000 + 60_000);
    assert.deepEqual([full.allowed, full.remaining, full.resetAt], [true, 9, T0 + 72_000 + 6000]);
  });

  test('a state whose TAT is in the past is the same as no state', () => {
    const stale = { tat: T0 - 1, rem: 3, quota: 10 };
    assert.deepEqual(gcra(stale, T0, policy), gcra(undefined, T0, policy));
  });
});

describe('GCRA: every window unit the schema accepts', () => {
  for (const window of ['1s', '90s', '1m', '1h', '1d', '1w', '1mo', '1y', '10y', '1h30m', '1.5s']) {
    test(`quota 10 per ${window}: burst of 10, 11th refused for window/10, then one more`, () => {
      const policy = cleanRateLimit({ quota: '10', window }) as GcraPolicy;
      const T = policy.windowMs / 10;
      const hit = limiter(policy);
      for (let i = 0; i < 10; i++) assert.equal(hit(T0).allowed, true, `call ${i + 1}`);
      const refused = hit(T0);
      assert.equal(refused.allowed, false);
      assert.equal(refused.retryAfterMs, Math.ceil(T));
      assert.equal(refused.resetAt, T0 + policy.windowMs);
      assert.equal(hit(T0 + Math.ceil(T) - 1).allowed, false, 'one ms early');
      assert.equal(hit(T0 + Math.ceil(T)).allowed, true, 'after T');
    });
  }
});

describe('GCRA: exact where T is not a whole number of milliseconds', () => {
  test('quota 7 per 60 s: a fresh burst of exactly 7 (float sums would refuse the 7th)', () => {
    const hit = limiter({ quota: 7, windowMs: 60_000 });
    const got = Array.from({ length: 8 }, () => hit(T0).allowed);
    assert.deepEqual(got, [true, true, true, true, true, true, true, false]);
  });

  for (const [quota, windowMs] of [
    [7, 60_000],
    [3, 1000],
    [1000, 999],
    [9, 86_400_000],
  ] as const) {
    test(`quota ${quota} per ${windowMs} ms, one attempt every ms for 5 windows: exactly quota × 6 admitted`, () => {
      const hit = limiter({ quota, windowMs });
      let admitted = 0;
      const step = Math.max(1, Math.floor(windowMs / 20_000)); // ≤ 100k iterations; T ≥ step keeps the count exact
      for (let t = T0; t <= T0 + 5 * windowMs; t += step) while (hit(t).allowed) admitted++;
      assert.equal(admitted, quota * 6);
    });
  }

  test('quota 1: one call, then one per window', () => {
    const hit = limiter({ quota: 1, windowMs: 60_000 });
    assert.deepEqual([hit(T0).allowed, hit(T0).allowed, hit(T0 + 59_999).allowed, hit(T0 + 60_000).allowed], [true, false, false, true]);
  });

  test('the largest quota over 10 years: no overflow, remaining counts down by one', () => {
    const policy = { quota: Number.MAX_SAFE_INTEGER, windowMs: 315_360_000_000 };
    const hit = limiter(policy);
    assert.equal(hit(T0).remaining, Number.MAX_SAFE_INTEGER - 1);
    assert.equal(hit(T0).remaining, Number.MAX_SAFE_INTEGER - 2);
  });

  test('a policy change (quota) rounds the stored state up to whole ms instead of misreading it', () => {
    const hit = limiter({ quota: 7, windowMs: 60_000 });
    const d = hit(T0); // TAT = T0 + 8571 + 3/7
    const after = gcra(d.state, T0, { quota: 2, windowMs: 60_000 }); // from T0 + 8572: + 30 s
    assert.deepEqual([after.allowed, after.state.tat, after.state.rem], [true, T0 + 8572 + 30_000, 0]);
  });
});

describe('MemoryRateLimiter', () => {
  test('counts per project and key; refusals consume nothing; expired entries are dropped when touched', () => {
    const rl = new MemoryRateLimiter(100);
    const p = { quota: 2, windowMs: 1000 };
    assert.deepEqual(
      [1, 2, 3].map(() => rl.consume('p1', 'k', p, T0).decision),
      ['allowed', 'allowed', 'limited'],
    );
    assert.equal(rl.consume('p2', 'k', p, T0).decision, 'allowed', 'another project has its own budget');
    assert.equal(rl.consume('p1', 'k2', p, T0).decision, 'allowed', 'another key has its own budget');
    const later = rl.consume('p1', 'k', p, T0 + 1000);
    assert.deepEqual([later.decision, later.decision === 'fail_open' ? -1 : later.remaining], ['allowed', 1]);
  });

  test('bounded: the least recently used key is forgotten past max entries', () => {
    const rl = new MemoryRateLimiter(10);
    for (let i = 0; i < 50; i++) rl.consume('p', `k${i}`, { quota: 1, windowMs: 60_000 }, T0);
    assert.equal(rl.size, 10);
  });
});

/**
 * GCRA (generic cell rate algorithm) for one key's `rate_limit_policy {quota, window}` — pure math:
 * no I/O, no clock reads; the caller passes `now` (epoch ms) and the stored state.
 *
 * Model: emission interval T = window / quota; burst = quota (a fresh key may spend its whole quota
 * in one instant, then regains one unit every T, i.e. quota per window). The state is the theoretical
 * arrival time (TAT). A request at `now` is admitted iff max(TAT, now) + T − window ≤ now; admitting
 * it sets TAT := max(TAT, now) + T. A refused request leaves the state alone (it consumes nothing).
 *
 * Exactness: T is rarely a whole number of milliseconds (60 s / 7), and float sums drift (seven
 * additions of 60000/7 exceed 60000 by an ulp and would refuse the 7th call of a fresh burst). So
 * TAT is kept as an exact rational `tat + rem/quota` ms with integers tat and 0 ≤ rem < quota, and
 * T as `q + r/quota` (q = ⌊window/quota⌋, r = window mod quota). Every operation is integer addition
 * or comparison below 2^53, so this file and the Redis Lua script (redis-gcra-script.ts) compute
 * bit-identical results; a test runs both over one table of cases.
 *
 * What the outputs mean (draft-ietf-httpapi-ratelimit-headers, `RateLimit: r=…;t=…`):
 * - `remaining` (r): how many more requests would be admitted at this same instant, after this
 *   decision — ⌊(now + window − TAT′) / T⌋ clamped to [0, quota]. A fresh key after one call: quota − 1.
 * - `resetAt` (t = resetAt − now, in seconds rounded up): when the limiter is back to full capacity,
 *   i.e. TAT′ rounded up to the millisecond (now, if it already is). This is the "quota resets" moment
 *   of the draft for a GCRA, and what Talos calls `rate_limit_reset_time`.
 * - `retryAfterMs` (Retry-After, seconds rounded up, ≥ 1): for a refused request, the wait until one
 *   more unit is available; 0 when admitted.
 * Each verification costs one unit whatever the policy's `unit` says (the server cannot see bytes or
 * concurrency); a window with a sub-millisecond fraction is rounded up to whole milliseconds.
 */
export interface GcraPolicy {
  quota: number;
  windowMs: number;
}

/** TAT = tat + rem/quota milliseconds, exactly; `quota` is the quota `rem` is counted in. */
export interface GcraState {
  tat: number;
  rem: number;
  quota: number;
}

export interface GcraDecision {
  allowed: boolean;
  /** The state to store (unchanged from the normalised input when refused). */
  state: GcraState;
  remaining: number;
  resetAt: number;
  retryAfterMs: number;
}

/** Integer window in ms (policies may carry sub-ms fractions: "1.0005s"). */
export const windowOf = (p: GcraPolicy): number => Math.ceil(p.windowMs);

/**
 * The stored state as seen at `now`: a state counted under another quota (the policy changed) is
 * rounded up to whole ms; a TAT in the past is the same as a fresh key (TAT = now).
 */
export function normalise(state: GcraState | null | undefined, now: number, quota: number): GcraState {
  if (!state) return { tat: now, rem: 0, quota };
  let { tat, rem } = state;
  if (state.quota !== quota) {
    if (rem > 0) tat += 1;
    rem = 0;
  }
  if (tat < now || (tat === now && rem === 0)) return { tat: now, rem: 0, quota };
  return { tat, rem, quota };
}

/**
 * TAT + T, exactly: (tat + q) + (rem + r)/quota with the carry folded into whole ms. The carry test
 * is `rem ≥ quota − r`, not `rem + r ≥ quota`: the sum could pass 2^53 for quotas near it.
 */
function advance(s: GcraState, window: number): GcraState {
  const { quota } = s;
  const q = Math.floor(window / quota);
  const gap = quota - (window - q * quota); // quota − r ≥ 1
  return s.rem >= gap ? { tat: s.tat + q + 1, rem: s.rem - gap, quota } : { tat: s.tat + q, rem: s.rem + (quota - gap), quota };
}

/** One GCRA step: the decision and the state to store. `now` must be an integer (epoch ms). */
export function gcra(stored: GcraState | null | undefined, now: number, policy: GcraPolicy): GcraDecision {
  const s = normalise(stored, now, policy.quota);
  const next = advance(s, windowOf(policy));
  // Admitted iff now ≥ (tat + rem/quota) − window; d is an integer and 0 ≤ rem/quota < 1.
  const d = now - next.tat + windowOf(policy);
  return d > 0 || (d === 0 && next.rem === 0) ? outcome(true, next, now, policy) : outcome(false, s, now, policy);
}

/**
 * remaining / resetAt / retryAfterMs for the state after a decision (also used by the Redis adapter,
 * whose script returns only the decision and the state).
 */
export function outcome(allowed: boolean, state: GcraState, now: number, policy: GcraPolicy): GcraDecision {
  const window = windowOf(policy);
  const { quota } = policy;
  const s = normalise(state, now, quota);
  // remaining = ⌊(now + window − TAT) · quota / window⌋ = ⌊((now + window − tat) · quota − rem) / window⌋
  const head = now + window - s.tat;
  const num = head * quota - s.rem;
  const raw = Number.isSafeInteger(num) ? Math.floor(num / window) : Number((BigInt(head) * BigInt(quota) - BigInt(s.rem)) / BigInt(window));
  const remaining = Math.max(0, Math.min(quota, raw));
  // Refused: one more unit is admitted at TAT + T − window (≥ 1 ms away, or it would have been admitted).
  let retryAfterMs = 0;
  if (!allowed) {
    const next = advance(s, window);
    retryAfterMs = Math.max(1, next.tat - window - now + (next.rem > 0 ? 1 : 0));
  }
  return { allowed, state: s, remaining, resetAt: s.tat + (s.rem > 0 ? 1 : 0), retryAfterMs };
}

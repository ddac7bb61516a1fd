import type { ProjectContext } from '../projects/project-context.js';
import type { RateLimitDecision, RateLimiter } from '../ratelimit/rate-limiter.js';
import type { Clock } from '../shared/clock.js';
import type { RateLimitPolicy } from '../store/records.js';
import { fail, MESSAGES, type VerifyOutcome } from './verify-result.js';

/**
 * What the rate-limit step found for one verification: the key's policy (always shown as the
 * RateLimit-Policy header, as Talos does even where it does not enforce) and, when enforced, the
 * limiter's decision. `decision` absent = not enforced for this project (plan or setting).
 */
export interface RateLimitNote {
  policy: RateLimitPolicy;
  decision?: RateLimitDecision;
}

export type RateLimitCounter = (decision: RateLimitDecision['decision']) => void;

/**
 * The last step of a verification, after the IP check: one unit of the key's GCRA budget. It runs
 * only for outcomes that are still valid — so an IP refusal, a revoked key or a wrong checksum never
 * consumes quota — for stored keys (issued, imported) with a policy, on cache hits and misses alike
 * (the budget lives in the limiter, never in the verify cache). Over the limit → RATE_LIMITED.
 */
export class RateLimitStep {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly count: RateLimitCounter = () => {},
  ) {}

  /** Synchronous when the limiter is (the in-process one): no extra await on the hot path. */
  apply(ctx: ProjectContext, o: VerifyOutcome): VerifyOutcome | Promise<VerifyOutcome> {
    const policy = o.valid && (o.type === 'issued' || o.type === 'imported') ? o.key?.rateLimit : null;
    if (!policy || !o.key) return o;
    if (!ctx.rateLimiting) return { ...o, rateLimit: { policy } };
    const d = this.limiter.consume(ctx.id, o.key.keyId, policy, Math.floor(this.clock.now()));
    return d instanceof Promise ? d.then((x) => this.decide(o, policy, x)) : this.decide(o, policy, d);
  }

  private decide(o: VerifyOutcome, policy: RateLimitPolicy, decision: RateLimitDecision): VerifyOutcome {
    this.count(decision.decision);
    const rateLimit: RateLimitNote = { policy, decision };
    if (decision.decision !== 'limited') return { ...o, rateLimit };
    return { ...fail(o.type, 'VERIFICATION_ERROR_RATE_LIMITED', MESSAGES.rateLimited, o.key), cache: o.cache, rateLimit };
  }
}

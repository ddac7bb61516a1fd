import type { GcraPolicy } from './gcra.js';

/**
 * The rate-limit state port: one GCRA step for one key, atomically. Adapters: in-process
 * (memory-rate-limiter.ts, per node) and shared (redis-rate-limiter.ts, one Lua script).
 *
 * `fail_open`: the shared state was unreachable, so the request was admitted without counting
 * (no remaining/reset to report). Availability over enforcement: a Redis outage must not turn
 * every API of every customer off. The adapter logs one line per outage, not per request.
 */
export type RateLimitDecision = { decision: 'allowed' | 'limited'; remaining: number; resetAt: number; retryAfterMs: number } | { decision: 'fail_open' };

export interface RateLimiter {
  /** Consumes one unit of `keyId`'s budget in `projectId` at `now` (epoch ms, from the node's Clock). */
  consume(projectId: string, keyId: string, policy: GcraPolicy, now: number): RateLimitDecision | Promise<RateLimitDecision>;
  close(): Promise<void>;
}

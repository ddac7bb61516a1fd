import { LRUCache } from 'lru-cache';
import { type GcraPolicy, type GcraState, gcra } from './gcra.js';
import type { RateLimitDecision, RateLimiter } from './rate-limiter.js';

/**
 * Per-node GCRA state in a bounded LRU map. An entry whose TAT is in the past is dropped when next
 * touched: such a key is indistinguishable from a fresh one, so forgetting it changes nothing. (Expiry
 * is checked against the injected Clock, not lru-cache's own timer, so frozen-clock tests stay exact.)
 * When the map is full the least recently used key is forgotten, which can only make that key's limit
 * more lenient — the bound protects the node's memory from a flood of distinct keys. Synchronous: no
 * await on the hot path.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly states: LRUCache<string, GcraState>;

  /** 200,000 entries ≈ 40 MB at most; only keys with a policy used within their window are held. */
  constructor(maxEntries = 200_000) {
    this.states = new LRUCache<string, GcraState>({ max: maxEntries });
  }

  consume(projectId: string, keyId: string, policy: GcraPolicy, now: number): RateLimitDecision {
    const id = `${projectId}:${keyId}`;
    let stored = this.states.get(id);
    if (stored !== undefined && (stored.tat < now || (stored.tat === now && stored.rem === 0))) {
      this.states.delete(id);
      stored = undefined;
    }
    const d = gcra(stored, now, policy);
    if (d.allowed) this.states.set(id, d.state);
    return { decision: d.allowed ? 'allowed' : 'limited', remaining: d.remaining, resetAt: d.resetAt, retryAfterMs: d.retryAfterMs };
  }

  get size(): number {
    return this.states.size;
  }

  async close(): Promise<void> {
    this.states.clear();
  }
}

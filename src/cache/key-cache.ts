import { LRUCache } from 'lru-cache';
import type { Clock } from '../shared/clock.js';
import type { KeyRecord } from '../store/records.js';

interface Entry {
  record: KeyRecord;
  /** Our clock, not lru-cache's: tests freeze time, and expiry must follow the key's own clock. */
  expiresAt: number;
}

/**
 * The verify cache (SPEC §5): key records by (project, key_id), entered only after possession was
 * proven, never holding a credential. Imported keys are found by their tenant-bound hash through a
 * hash → key_id index, so one invalidation by key_id covers both. Bounded by entry count (LRU).
 */
export class KeyCache {
  private readonly records: LRUCache<string, Entry>;
  private readonly hashes: LRUCache<string, string>;
  /**
   * Plain counters for /metrics, read on scrape (observability/metrics.ts): the hot path bumps an
   * integer instead of a labelled prom-client counter. `evictions` are LRU evictions only — not
   * invalidations, expiries or overwrites.
   */
  readonly stats = { hits: 0, misses: 0, evictions: 0 };
  /**
   * Bumped by every invalidation and clear. A lookup takes it before reading the store and passes it
   * to `set`: if anything was invalidated meanwhile, the record it read may be the pre-revocation row
   * whose invalidation already arrived — it is not stored (a lost hit, never a stale entry).
   */
  private generation = 0;

  constructor(
    maxEntries: number,
    private readonly clock: Clock,
  ) {
    this.records = new LRUCache({
      max: Math.max(1, maxEntries),
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.stats.evictions++;
      },
    });
    this.hashes = new LRUCache({ max: Math.max(1, maxEntries) });
  }

  get(projectId: string, keyId: string): KeyRecord | undefined {
    const k = `${projectId}|${keyId}`;
    const e = this.records.get(k);
    if (!e) {
      this.stats.misses++;
      return undefined;
    }
    if (this.clock.now() >= e.expiresAt) {
      this.records.delete(k);
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return e.record;
  }

  getByHash(projectId: string, hash: string): KeyRecord | undefined {
    const keyId = this.hashes.get(`${projectId}|${hash}`);
    if (keyId === undefined) {
      this.stats.misses++;
      return undefined;
    }
    return this.get(projectId, keyId);
  }

  /** Taken before a store read whose result may be `set`. */
  ticket(): number {
    return this.generation;
  }

  /** `ttlMs` ≤ 0 stores nothing; neither does a `ticket` older than the last invalidation. */
  set(projectId: string, record: KeyRecord, ttlMs: number, hash?: string, ticket?: number): void {
    if (ttlMs <= 0 || (ticket !== undefined && ticket !== this.generation)) return;
    this.records.set(`${projectId}|${record.keyId}`, { record, expiresAt: this.clock.now() + ttlMs });
    if (hash) this.hashes.set(`${projectId}|${hash}`, record.keyId);
  }

  invalidate(projectId: string, keyId: string): void {
    this.generation++;
    this.records.delete(`${projectId}|${keyId}`);
  }

  /** A project deleted or its keys changed wholesale. O(entries): rare operations only. */
  invalidateProject(projectId: string): void {
    this.generation++;
    const prefix = `${projectId}|`;
    for (const k of this.records.keys()) if (k.startsWith(prefix)) this.records.delete(k);
  }

  clear(): void {
    this.generation++;
    this.records.clear();
    this.hashes.clear();
  }

  get size(): number {
    return this.records.size;
  }
}

import { LRUCache } from 'lru-cache';
import type { Clock } from '../shared/clock.js';
import type { VerifiableKey } from '../store/records.js';
import { ValueInterner } from './value-interner.js';

/**
 * One cached key: the verifiable fields themselves (no wrapper object) plus the owning project and the
 * entry's expiry on our clock (not lru-cache's: tests freeze time, and expiry must follow the key's own).
 */
interface Entry extends VerifiableKey {
  readonly projectId: string;
  readonly until: number;
}

/**
 * The verify cache (SPEC §5): verifiable key fields by key_id, entered only after possession was proven,
 * never holding a credential. Imported keys are found by their tenant-bound hash through a hash → key_id
 * index, so one invalidation by key_id covers both. Bounded by entry count (LRU).
 *
 * Keyed by the key_id string the record already holds (and the hash index by its lookup hash), not by a
 * "project|key_id" string built per entry: ≈ 1.3 → < 1 KB per entry at a million keys (docs/benchmarks.md).
 * key_ids are server-generated UUIDs, unique across projects; every entry still carries its project and
 * a lookup from another project is a miss — tenant scoping does not rest on uniqueness.
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
  /** Scope sets, metadata and CIDR lists shared (frozen) among entries that have equal ones. */
  private readonly shared = new ValueInterner();

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

  get(projectId: string, keyId: string): VerifiableKey | undefined {
    const e = this.records.get(keyId);
    if (!e || e.projectId !== projectId) {
      this.stats.misses++;
      return undefined;
    }
    if (this.clock.now() >= e.until) {
      this.records.delete(keyId);
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return e;
  }

  getByHash(projectId: string, hash: string): VerifiableKey | undefined {
    const keyId = this.hashes.get(hash);
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
  set(projectId: string, key: VerifiableKey, ttlMs: number, hash?: string, ticket?: number): void {
    if (ttlMs <= 0 || (ticket !== undefined && ticket !== this.generation)) return;
    const entry: Entry = {
      projectId,
      until: this.clock.now() + ttlMs,
      keyId: key.keyId,
      kind: key.kind,
      actorId: key.actorId,
      scopes: this.shared.list(key.scopes) as string[],
      metadata: this.shared.json(key.metadata),
      status: key.status,
      visibility: key.visibility,
      lookupHash: key.lookupHash,
      expiresAt: key.expiresAt,
      rateLimit: key.rateLimit,
      allowedCidrs: this.shared.list(key.allowedCidrs) as string[],
    };
    this.records.set(key.keyId, entry);
    if (hash) this.hashes.set(hash, key.keyId);
  }

  invalidate(projectId: string, keyId: string): void {
    this.generation++;
    if (this.records.peek(keyId)?.projectId === projectId) this.records.delete(keyId);
  }

  /** A project deleted or its keys changed wholesale. O(entries): rare operations only. */
  invalidateProject(projectId: string): void {
    this.generation++;
    for (const [keyId, e] of this.records.entries()) if (e.projectId === projectId) this.records.delete(keyId);
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

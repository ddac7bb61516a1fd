import type { KeyCache } from '../cache/key-cache.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { KeyReader } from '../store/ports.js';
import type { KeyRecord } from '../store/records.js';

/** From the request: `Cache-Control: no-cache` (or `Pragma: no-cache`) skips the read, `no-store` read and write. */
export type CacheMode = 'use' | 'no-cache' | 'no-store';
export type CacheStatus = 'HIT' | 'MISS' | 'SKIP';

export function cacheModeOf(headers: Record<string, string | string[] | undefined>): CacheMode {
  const cc = String(headers['cache-control'] ?? '').toLowerCase();
  if (/(^|[\s,])no-store($|[\s,])/.test(cc)) return 'no-store';
  if (/(^|[\s,])no-cache($|[\s,=])/.test(cc) || /no-cache/i.test(String(headers.pragma ?? ''))) return 'no-cache';
  return 'use';
}

export interface CachePolicy {
  cache: KeyCache;
  /** False while cross-node invalidation may be losing messages: then the cache is not read. */
  usable(): boolean;
  /** Upper bound on any entry's life when no push invalidation exists (null = none needed). */
  ttlCapMs: number | null;
}

/**
 * The load step with the cache in front of the store. Only called after possession is proven, so a
 * forged credential never reads or fills the cache. TTL = min(project cache TTL, time to the key's
 * expiry, the bus cap). Records still under a legacy (SHA-256) hash are not cached: they are about to
 * be re-hashed.
 */
export class CachedKeyLookup {
  constructor(private readonly policy: CachePolicy | null) {}

  private enabled(ctx: ProjectContext, mode: CacheMode): boolean {
    return this.policy !== null && ctx.settings.cache.enabled && mode !== 'no-store' && this.policy.usable();
  }

  private ttl(ctx: ProjectContext, key: KeyRecord, now: number): number {
    const project = ctx.cacheTtlMs;
    const toExpiry = key.expiresAt === null ? Number.POSITIVE_INFINITY : key.expiresAt - now;
    const ttl = Math.min(project, toExpiry, this.policy?.ttlCapMs ?? Number.POSITIVE_INFINITY);
    return ttl < 1000 ? 0 : ttl; // not worth caching for under a second (as Talos)
  }

  /** Batch verify, first pass: a cached record if the cache may be read for this request. */
  peekId(ctx: ProjectContext, keyId: string, mode: CacheMode): KeyRecord | undefined {
    return mode === 'use' && this.enabled(ctx, mode) ? (this.policy as CachePolicy).cache.get(ctx.id, keyId) : undefined;
  }

  peekHash(ctx: ProjectContext, hash: string, mode: CacheMode): KeyRecord | undefined {
    return mode === 'use' && this.enabled(ctx, mode) ? (this.policy as CachePolicy).cache.getByHash(ctx.id, hash) : undefined;
  }

  /** Batch verify, after the one query per type: remember what was fetched. */
  remember(ctx: ProjectContext, key: KeyRecord, mode: CacheMode, now: number, hash?: string): void {
    if (!this.enabled(ctx, mode)) return;
    if (hash !== undefined && key.lookupHash !== hash) return;
    (this.policy as CachePolicy).cache.set(ctx.id, key, this.ttl(ctx, key, now), hash);
  }

  async byId(ctx: ProjectContext, keys: KeyReader, keyId: string, mode: CacheMode, now: number): Promise<{ key?: KeyRecord; cache: CacheStatus }> {
    if (!this.enabled(ctx, mode)) return { key: await keys.getById(keyId), cache: 'SKIP' };
    const policy = this.policy as CachePolicy;
    if (mode === 'use') {
      const hit = policy.cache.get(ctx.id, keyId);
      if (hit) return { key: hit, cache: 'HIT' };
    }
    const key = await keys.getById(keyId);
    if (key) policy.cache.set(ctx.id, key, this.ttl(ctx, key, now));
    return { key, cache: mode === 'use' ? 'MISS' : 'SKIP' };
  }

  async byHashes(
    ctx: ProjectContext,
    keys: KeyReader,
    hashes: readonly [string, string],
    mode: CacheMode,
    now: number,
  ): Promise<{ key?: KeyRecord; cache: CacheStatus }> {
    if (!this.enabled(ctx, mode)) return { key: await keys.getByAnyLookupHash(hashes), cache: 'SKIP' };
    const policy = this.policy as CachePolicy;
    if (mode === 'use') {
      const hit = policy.cache.getByHash(ctx.id, hashes[0]);
      if (hit) return { key: hit, cache: 'HIT' };
    }
    const key = await keys.getByAnyLookupHash(hashes);
    if (key && key.lookupHash === hashes[0]) policy.cache.set(ctx.id, key, this.ttl(ctx, key, now), hashes[0]);
    return { key, cache: mode === 'use' ? 'MISS' : 'SKIP' };
  }
}

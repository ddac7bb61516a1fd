import type { ImportedHashFilters } from '../cache/imported-hash-filter.js';
import type { KeyCache } from '../cache/key-cache.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { KeyReader } from '../store/ports.js';
import type { VerifiableKey } from '../store/records.js';

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
  /** The negative cache of imported keys (ADR 0009); null where changes are not pushed to every node. */
  negative?: ImportedHashFilters | null;
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

  private ttl(ctx: ProjectContext, key: VerifiableKey, now: number): number {
    const project = ctx.cacheTtlMs;
    const toExpiry = key.expiresAt === null ? Number.POSITIVE_INFINITY : key.expiresAt - now;
    const ttl = Math.min(project, toExpiry, this.policy?.ttlCapMs ?? Number.POSITIVE_INFINITY);
    return ttl < 1000 ? 0 : ttl; // not worth caching for under a second (as Talos)
  }

  /** Batch verify, first pass: a cached record if the cache may be read for this request. */
  peekId(ctx: ProjectContext, keyId: string, mode: CacheMode): VerifiableKey | undefined {
    return mode === 'use' && this.enabled(ctx, mode) ? (this.policy as CachePolicy).cache.get(ctx.id, keyId) : undefined;
  }

  peekHash(ctx: ProjectContext, hash: string, mode: CacheMode): VerifiableKey | undefined {
    return mode === 'use' && this.enabled(ctx, mode) ? (this.policy as CachePolicy).cache.getByHash(ctx.id, hash) : undefined;
  }

  /** Batch verify, before its queries: what `remember` needs to refuse rows an invalidation overtook. */
  ticket(): number | undefined {
    return this.policy?.cache.ticket();
  }

  /** Batch verify, after the one query per type: remember what was fetched. */
  remember(ctx: ProjectContext, key: VerifiableKey, mode: CacheMode, now: number, hash?: string, ticket?: number): void {
    if (!this.enabled(ctx, mode)) return;
    if (hash !== undefined && key.lookupHash !== hash) return;
    (this.policy as CachePolicy).cache.set(ctx.id, key, this.ttl(ctx, key, now), hash, ticket);
  }

  async byId(ctx: ProjectContext, keys: KeyReader, keyId: string, mode: CacheMode, now: number): Promise<{ key?: VerifiableKey; cache: CacheStatus }> {
    if (!this.enabled(ctx, mode)) return { key: await keys.getById(keyId), cache: 'SKIP' };
    const policy = this.policy as CachePolicy;
    if (mode === 'use') {
      const hit = policy.cache.get(ctx.id, keyId);
      if (hit) return { key: hit, cache: 'HIT' };
    }
    // Security: a revoke whose invalidation arrives while we read must not be undone by our set.
    const ticket = policy.cache.ticket();
    const key = await keys.getById(keyId);
    if (key) policy.cache.set(ctx.id, key, this.ttl(ctx, key, now), undefined, ticket);
    return { key, cache: mode === 'use' ? 'MISS' : 'SKIP' };
  }

  /**
   * The negative cache (ADR 0009): used whatever the project's cache setting — it holds no record and
   * never makes a key valid, and push keeps it exact — but not while the bus may lose messages, and not
   * for `no-store` (nor read for `no-cache`): a caller who asks for the database gets it.
   */
  private negative(mode: CacheMode): ImportedHashFilters | null {
    const negative = this.policy?.negative;
    return negative && mode !== 'no-store' && (this.policy as CachePolicy).usable() ? negative : null;
  }

  /** True = certainly no imported key of this project has either hash: NOT_FOUND without a query. */
  knownAbsent(ctx: ProjectContext, keys: KeyReader, hashes: readonly [string, string], mode: CacheMode): boolean {
    return mode === 'use' && (this.negative(mode)?.absent(ctx.id, hashes, keys) ?? false);
  }

  async byHashes(
    ctx: ProjectContext,
    keys: KeyReader,
    hashes: readonly [string, string],
    mode: CacheMode,
    now: number,
  ): Promise<{ key?: VerifiableKey; cache: CacheStatus }> {
    // Security: absent from the filter or a recent miss is the same NOT_FOUND as the store's answer.
    if (this.knownAbsent(ctx, keys, hashes, mode)) return { cache: 'HIT' };
    const negative = this.negative(mode);
    const ticket = negative?.ticket() ?? 0;
    const found = await this.lookupByHashes(ctx, keys, hashes, mode, now);
    if (!found.key) negative?.noteMiss(ctx.id, hashes[0], ticket);
    return found;
  }

  private async lookupByHashes(
    ctx: ProjectContext,
    keys: KeyReader,
    hashes: readonly [string, string],
    mode: CacheMode,
    now: number,
  ): Promise<{ key?: VerifiableKey; cache: CacheStatus }> {
    if (!this.enabled(ctx, mode)) return { key: await keys.getByAnyLookupHash(hashes), cache: 'SKIP' };
    const policy = this.policy as CachePolicy;
    if (mode === 'use') {
      const hit = policy.cache.getByHash(ctx.id, hashes[0]);
      if (hit) return { key: hit, cache: 'HIT' };
    }
    const ticket = policy.cache.ticket();
    const key = await keys.getByAnyLookupHash(hashes);
    if (key && key.lookupHash === hashes[0]) policy.cache.set(ctx.id, key, this.ttl(ctx, key, now), hashes[0], ticket);
    return { key, cache: mode === 'use' ? 'MISS' : 'SKIP' };
  }
}

import type { FetchLike } from '../client/transport.js';
import { JwksCache, type JwksCacheOptions } from './jwks-cache.js';

// One cache per (fetch, URL): verifyJwt calls that name the same JWKS URL share its cache, so the
// set is fetched once per process, not once per call. A call with its own `fetch` gets its own
// caches (keyed weakly by that function) — tests and multi-tenant hosts stay isolated.
const byDefaultFetch = new Map<string, JwksCache>();
const byCustomFetch = new WeakMap<FetchLike, Map<string, JwksCache>>();

/** The shared cache for `url`; options only apply when this call creates it. */
export function jwksCacheFor(url: string, opts: JwksCacheOptions = {}): JwksCache {
  let caches = byDefaultFetch;
  if (opts.fetch) {
    caches = byCustomFetch.get(opts.fetch) ?? new Map();
    byCustomFetch.set(opts.fetch, caches);
  }
  let cache = caches.get(url);
  if (!cache) {
    cache = new JwksCache(url, opts);
    caches.set(url, cache);
  }
  return cache;
}

/** Forgets every shared cache that uses the default fetch (caches with a custom fetch go with it). */
export function clearJwksCaches(): void {
  byDefaultFetch.clear();
}

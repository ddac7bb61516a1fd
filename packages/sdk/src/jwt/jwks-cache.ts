import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { FetchLike } from '../client/transport.js';
import { JwtVerificationError } from './jwt-verification-error.js';
import { importVerificationKeys, type VerificationKey } from './verification-keys.js';
import { VerifiedTokens } from './verified-tokens.js';

export interface JwksCacheOptions {
  /** Defaults: global fetch. Inject a wrapper to add headers, proxies or instrumentation. */
  fetch?: FetchLike;
  /** Epoch ms; injected so tests can freeze time. Default Date.now. */
  now?: () => number;
  /** Lower bound on the server's Cache-Control max-age (default 30 s): max-age=0 must not mean a fetch per token. */
  minMaxAgeSec?: number;
  /** Upper bound (default 3600 s): a revoked signing key must leave the cache within this. */
  maxMaxAgeSec?: number;
  /** Used when the answer has no max-age (default 300 s, then clamped like any other). */
  defaultMaxAgeSec?: number;
  /** Minimum gap between fetches caused by an unknown kid or a failed refresh (default 10 s). */
  cooldownSec?: number;
  /** How long past its expiry a set is still served while refreshes fail (default 24 h). */
  maxStaleSec?: number;
  /** Timeout of one JWKS fetch (default 5 s). */
  timeoutMs?: number;
  /** Tokens remembered as signature-verified under the current set (default 10 000; 0 turns it off). */
  verifiedTokens?: number;
}

/** One fetched key set. */
export interface JwksSnapshot {
  readonly jwks: JSONWebKeySet;
  /** Every published kid, usable or not (a known kid never triggers a refetch). */
  readonly kids: ReadonlySet<string>;
  /** The usable keys by kid, imported once per fetch as node:crypto KeyObjects; verifyJwt uses only these. */
  readonly keys: ReadonlyMap<string, readonly VerificationKey[]>;
  /** The same set as a jose key resolver, for callers who verify with jose's jwtVerify themselves. */
  readonly getKey: ReturnType<typeof createLocalJWKSet>;
  readonly fetchedAt: number;
  readonly expiresAt: number;
  /** Verified tokens under exactly this set (see VerifiedTokens); a new set starts empty. */
  readonly verified: VerifiedTokens | null;
}

const MAX_BODY_BYTES = 1 << 20;
/** With nothing cached at all, retry a failing JWKS server at most once a second. */
const EMPTY_RETRY_MS = 1_000;

/**
 * A cached JWKS for one URL:
 * - fetched on first use, kept for the server's Cache-Control max-age (clamped to [min, max]);
 * - refetched at most once per cooldown when a token names a kid the set lacks (single-flight: every
 *   caller waiting on that kid shares one fetch), so a flood of random kids costs at most one fetch
 *   per cooldown, never one per token;
 * - when a refresh fails the previous set keeps being served (up to maxStaleSec past its expiry),
 *   and the next attempt waits a cooldown.
 */
export class JwksCache {
  readonly url: string;
  /** Fetch attempts so far (successful or not); for metrics and tests. */
  fetchCount = 0;
  #snap: JwksSnapshot | null = null;
  #inflight: Promise<JwksSnapshot | null> | null = null;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #lastError: unknown = null;
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  readonly #o: Required<Omit<JwksCacheOptions, 'fetch' | 'now'>>;

  constructor(url: string, opts: JwksCacheOptions = {}) {
    const u = new URL(url); // throws on a relative or garbled URL: a configuration error, early
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new TypeError('jwksUrl must be http(s)');
    this.url = u.href;
    this.#fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#now = opts.now ?? Date.now;
    this.#o = {
      minMaxAgeSec: opts.minMaxAgeSec ?? 30,
      maxMaxAgeSec: opts.maxMaxAgeSec ?? 3600,
      defaultMaxAgeSec: opts.defaultMaxAgeSec ?? 300,
      cooldownSec: opts.cooldownSec ?? 10,
      maxStaleSec: opts.maxStaleSec ?? 86_400,
      timeoutMs: opts.timeoutMs ?? 5_000,
      verifiedTokens: opts.verifiedTokens ?? 10_000,
    };
  }

  /** The current set: cached if fresh, else refreshed; stale if the refresh fails. */
  async current(): Promise<JwksSnapshot> {
    const now = this.#now();
    const snap = this.#snap;
    if (snap && now < snap.expiresAt) return snap;
    if (this.#inflight) return this.#orStale(await this.#inflight);
    const gap = snap ? this.#o.cooldownSec * 1000 : EMPTY_RETRY_MS;
    if (now - this.#lastAttemptAt < gap) return this.#orStale(null);
    return this.#orStale(await this.#refresh());
  }

  /** The set, refetched once (cooldown permitting) when it lacks `kid`. May still lack it. */
  async withKid(kid: string): Promise<JwksSnapshot> {
    const snap = await this.current();
    if (snap.kids.has(kid)) return snap;
    if (this.#inflight) return this.#orStale(await this.#inflight);
    if (this.#now() - this.#lastAttemptAt < this.#o.cooldownSec * 1000) return snap;
    return this.#orStale(await this.#refresh());
  }

  /** Single-flight: the fetch started here is shared by every caller until it settles. */
  #refresh(): Promise<JwksSnapshot | null> {
    if (this.#inflight) return this.#inflight;
    this.#lastAttemptAt = this.#now();
    this.fetchCount += 1;
    const p = this.#load().then(
      (snap) => {
        this.#snap = snap;
        this.#lastError = null;
        return snap;
      },
      (e: unknown) => {
        this.#lastError = e;
        return null;
      },
    );
    this.#inflight = p.finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  #orStale(fresh: JwksSnapshot | null): JwksSnapshot {
    if (fresh) return fresh;
    const snap = this.#snap;
    if (snap && this.#now() < snap.expiresAt + this.#o.maxStaleSec * 1000) return snap;
    const why = this.#lastError instanceof Error ? `: ${this.#lastError.message}` : '';
    throw new JwtVerificationError('jwks_unavailable', `No JWKS could be fetched from ${this.url}${why}`, { cause: this.#lastError });
  }

  async #load(): Promise<JwksSnapshot> {
    const res = await this.#fetch(this.url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.#o.timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_BODY_BYTES) throw new Error('JWKS answer too large');
    const jwks = parseJwks(JSON.parse(text));
    const fetchedAt = this.#now();
    const maxAge = clamp(maxAgeOf(res.headers.get('cache-control')) ?? this.#o.defaultMaxAgeSec, this.#o.minMaxAgeSec, this.#o.maxMaxAgeSec);
    const kids = new Set(jwks.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
    const verified = this.#o.verifiedTokens > 0 ? new VerifiedTokens(this.#o.verifiedTokens) : null;
    const keys = importVerificationKeys(jwks.keys);
    return { jwks, kids, keys, getKey: createLocalJWKSet(jwks), fetchedAt, expiresAt: fetchedAt + maxAge * 1000, verified };
  }
}

/** RFC 7517 `{"keys":[…]}` or the Talos envelope `{"jwks":{"keys":[…]}}`; signing keys only. */
function parseJwks(body: unknown): JSONWebKeySet {
  const inner = body && typeof body === 'object' && 'jwks' in body ? (body as { jwks: unknown }).jwks : body;
  const keys = inner && typeof inner === 'object' ? (inner as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new Error('the answer is not a JWK set');
  const sig = keys.filter((k) => k && typeof k === 'object' && !Array.isArray(k) && (k.use === undefined || k.use === 'sig'));
  return { keys: sig };
}

function maxAgeOf(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/(^|,)\s*(no-store|no-cache)\b/i.test(header)) return 0;
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(header);
  return m ? Number(m[1]) : undefined;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

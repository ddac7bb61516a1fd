import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ProjectContext } from '../projects/project-context.js';

/** How long a proof is remembered at most; the project context itself is reloaded more often than this. */
const MEMO_TTL_MS = 60_000;

interface Proof {
  /** The context the proof was made under: a reload (settings, secret rotation) makes every proof stale. */
  ctx: ProjectContext;
  keyId: string;
  timestampMs: number;
  /** The proof stands until then: the memo TTL or the first expiry of a retired HMAC secret, if sooner. */
  until: number;
}

/**
 * Remembers recently proven issued keys, so that the next verify of the same key skips parsing and the
 * HMAC checksum (≈ 6 µs → ≈ 1 µs: one SHA-256 and a map lookup). Keyed by SHA-256 of the credential —
 * never the credential itself; issued keys carry ≥ 128 random bits, so the digest reveals nothing that
 * could be guessed. Only successful proofs enter, so a forged or unknown credential always pays the full
 * check. A proof says nothing about the key's state: status, expiry, IP and rate limit are still checked
 * on every request by the later pipeline steps.
 *
 * What could make a remembered proof wrong, and why it cannot: a changed prefix list or HMAC secret
 * (rotation) comes with a new ProjectContext object → `ctx` differs → miss; a retired secret that expires
 * → `until` is at most that expiry; the key's timestamp growing older than the max TTL → re-checked here.
 * (A timestamp in the future only gets less so.)
 */
export class ProofMemo {
  private readonly proofs: LRUCache<string, Proof>;

  constructor(maxEntries: number) {
    this.proofs = new LRUCache({ max: maxEntries });
  }

  /** Cheap pre-filter: only strings shaped like an issued key are worth a digest. */
  static candidate(credential: string): boolean {
    return credential.length <= 256 && credential.includes('_v1_');
  }

  static digest(credential: string): string {
    return hash('sha256', credential, 'base64');
  }

  /** The key_id of a credential proven earlier under this very context, or undefined. */
  recall(ctx: ProjectContext, digest: string, now: number): string | undefined {
    const p = this.proofs.get(digest);
    if (p === undefined || p.ctx !== ctx || now >= p.until) return undefined;
    if (ctx.maxTtlMs > 0 && now - p.timestampMs > ctx.maxTtlMs) return undefined;
    return p.keyId;
  }

  remember(ctx: ProjectContext, digest: string, keyId: string, timestampSec: number, now: number): void {
    let until = now + MEMO_TTL_MS;
    for (const s of ctx.hmacSecrets) if (s.expiresAt !== null && s.expiresAt < until) until = s.expiresAt;
    if (until > now) this.proofs.set(digest, { ctx, keyId, timestampMs: timestampSec * 1000, until });
  }
}

import { createHash } from 'node:crypto';

/**
 * Remembers tokens whose signature, issuer, audience and algorithm already verified under one JWKS
 * snapshot, so a service that sees the same derived JWT on every request of a session pays the
 * signature check once (~66 µs of CPU for Ed25519 on the benchmark machine) instead of on every request.
 *
 * What it does not skip: `exp`/`nbf` (rechecked on every hit against the caller's clock), and the
 * project and IP checks (verifyJwt runs them after this). Entries live in the snapshot: when the set
 * is refreshed (say a signing key was revoked) the new snapshot starts empty, so a removed key stops
 * verifying the moment the cache stops serving the set that had it.
 *
 * Keys are SHA-256 of the token plus the options that shaped the first verification, never the token
 * itself (no bearer credential kept in memory as a map key, no timing of string compares on it).
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, Record<string, unknown>>();

  constructor(private readonly max: number) {}

  static key(token: string, shape: string): string {
    return createHash('sha256').update(token).update('\0').update(shape).digest('base64');
  }

  /** A copy of the remembered payload (callers may mutate what they get). */
  get(key: string): Record<string, unknown> | undefined {
    const hit = this.#entries.get(key);
    return hit === undefined ? undefined : structuredClone(hit);
  }

  set(key: string, payload: Record<string, unknown>): void {
    // Oldest-first eviction (Map keeps insertion order): bounded memory under a flood of distinct tokens.
    if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, structuredClone(payload));
  }

  get size(): number {
    return this.#entries.size;
  }
}

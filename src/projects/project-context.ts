import type { KeyObject } from 'node:crypto';
import type { BlockList } from 'node:net';
import type { ClientIpSource, ProjectSettings } from './settings.js';

export interface HmacSecret {
  readonly id: string;
  readonly key: Buffer;
  /** null = current or never expires. Checked per request so an expiry takes effect without reload. */
  readonly expiresAt: number | null;
}

/**
 * Everything a request needs to know about its project, resolved once and cached: parsed settings,
 * decrypted HMAC secrets (current first) and derived sub-keys. Never serialised, never logged.
 */
export interface ProjectContext {
  readonly id: string;
  readonly slug: string;
  readonly plan: string;
  /** The plan's active-key quota; null = unlimited. */
  readonly maxActiveKeys: number | null;
  /** Rate-limit policies are enforced: the plan includes it AND the project's rate_limit.enabled is on. */
  readonly rateLimiting: boolean;
  readonly apiKeysEnabled: boolean;
  readonly settings: ProjectSettings;
  readonly keyPrefix: string;
  readonly publicKeyPrefix: string;
  readonly allowedPrefixes: ReadonlySet<string>;
  readonly macaroonPrefixes: readonly string[];
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  readonly clockSkewMs: number;
  /** Parsed once per context load, not per request: the verify cache TTL and the derived-token default TTL. */
  readonly cacheTtlMs: number;
  readonly derivedTtlMs: number;
  readonly issuer: string;
  /** Where the client address of a verify comes from, and which peers may set that header. */
  readonly clientIpSource: ClientIpSource;
  readonly trustedProxies: BlockList | null;
  /** Current secret first, then retired ones (possibly expired: use `hmacSecretsAt`). */
  readonly hmacSecrets: readonly HmacSecret[];
  /** JWT signing: the current private key (never serialised) and every published public key by kid. */
  readonly signing: {
    readonly current: { readonly kid: string; readonly alg: string; readonly key: KeyObject } | null;
    readonly publicKeys: ReadonlyMap<string, { readonly alg: string; readonly key: KeyObject }>;
  };
  /** Issuers whose tokens verify: the current one, then retired ones not yet expired (exclusive). */
  readonly issuers: readonly { readonly value: string; readonly expiresAt: number | null }[];
  /** One page-token key per HMAC secret, same order. */
  readonly pageTokenKeys: readonly Buffer[];
}

/** The HMAC keys that verify at `now`: current, then unexpired retired (exclusive expiry boundary). */
export function hmacKeysAt(ctx: ProjectContext, now: number): Buffer[] {
  const out: Buffer[] = [];
  for (const s of ctx.hmacSecrets) if (s.expiresAt === null || now < s.expiresAt) out.push(s.key);
  return out;
}

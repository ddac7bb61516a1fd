import { checksumMatches, type IssuedKeyParts } from '../keys/key-format.js';
import { hmacKeysAt, type ProjectContext } from '../projects/project-context.js';

/**
 * Proves possession of an issued key without touching the store: known prefix, valid checksum under
 * a live HMAC secret, timestamp not in the future (beyond clock skew) nor older than the max TTL.
 * Returns the key_id, or null.
 *
 * Security: every failure here — wrong prefix, wrong checksum, another project's key, out-of-range
 * timestamp — collapses into one null that the caller reports as NOT_FOUND, so verification is no
 * oracle for which part was wrong or whether a key exists elsewhere.
 */
export function proveIssuedKey(ctx: ProjectContext, parts: IssuedKeyParts, now: number): string | null {
  if (!ctx.allowedPrefixes.has(parts.prefix)) return null;
  if (!checksumMatches(parts, hmacKeysAt(ctx, now))) return null;
  const tsMs = parts.timestampSec * 1000;
  if (tsMs > now + ctx.clockSkewMs) return null;
  if (ctx.maxTtlMs > 0 && now - tsMs > ctx.maxTtlMs) return null;
  return parts.keyId;
}

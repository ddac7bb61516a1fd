import { base58Decode, base58Encode } from '../crypto/base58.js';
import { constantTimeEqual } from '../crypto/compare.js';
import { hmacSha256 } from '../crypto/hmac.js';

// The issued key format of SPEC §1:
//   <prefix>_v1_<identifier>_<checksum>
//   identifier = base58("<unix_seconds>:<uuid-v4>"), checksum = base58(HMAC-SHA256(secret, "<prefix>_v1_<identifier>_"))
// The HMAC covers prefix, version and identifier, so timestamp and key id cannot be altered.

// The prefix may itself contain '_' (even "_v1"), yet the split is unambiguous: base58 has no '_',
// so identifier and checksum are the last two '_'-free segments, "_v1_" must sit right before
// them, and the prefix is whatever precedes it. The greedy prefix group backtracks to exactly that.
export const ISSUED_KEY_PATTERN = /^([a-zA-Z0-9_]{1,16})_v1_([1-9A-HJ-NP-Za-km-z]{20,128})_([1-9A-HJ-NP-Za-km-z]{10,64})$/;

const PREFIX_PATTERN = /^[a-zA-Z0-9_]{1,16}$/;
// Digits only: no sign, no spaces; at most 12 digits (year ~33658), always a safe integer.
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// "<ts>:<uuid>" is 38–49 bytes; 20–60 is the same guard Talos applies.
const MIN_IDENTIFIER_BYTES = 20;
const MAX_IDENTIFIER_BYTES = 60;

export interface IssuedKeyParts {
  prefix: string;
  identifier: string;
  checksum: string;
  timestampSec: number;
  keyId: string;
  /** "<prefix>_v1_<identifier>_": the exact bytes the checksum is computed over. */
  signedPayload: string;
}

/** Shape check and identifier decode only; proves nothing about possession (see checksumMatches). */
export function parseIssuedKey(credential: string): IssuedKeyParts | null {
  const match = ISSUED_KEY_PATTERN.exec(credential);
  if (match === null) return null;
  const [, prefix, identifier, checksum] = match;

  const decoded = base58Decode(identifier);
  if (decoded === null || decoded.length < MIN_IDENTIFIER_BYTES || decoded.length > MAX_IDENTIFIER_BYTES) {
    return null;
  }
  // latin1 maps every byte to one char, so non-ASCII bytes simply fail the patterns below.
  const text = decoded.toString('latin1');
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const timestampText = text.slice(0, colon);
  const keyId = text.slice(colon + 1);
  if (!TIMESTAMP_PATTERN.test(timestampText) || !UUID_PATTERN.test(keyId)) return null;

  return {
    prefix,
    identifier,
    checksum,
    timestampSec: Number(timestampText),
    keyId,
    signedPayload: `${prefix}_v1_${identifier}_`,
  };
}

export function computeChecksum(signedPayload: string, secret: Buffer): string {
  return base58Encode(hmacSha256(secret, signedPayload));
}

/** Throws on invalid input: keys are only ever built by the server, so bad input is a bug. */
export function buildIssuedKey(prefix: string, timestampSec: number, keyId: string, secret: Buffer): string {
  if (!PREFIX_PATTERN.test(prefix)) throw new Error('invalid key prefix');
  if (!Number.isSafeInteger(timestampSec) || timestampSec < 0 || !TIMESTAMP_PATTERN.test(String(timestampSec))) {
    throw new Error('invalid key timestamp');
  }
  if (!UUID_PATTERN.test(keyId)) throw new Error('invalid key id');
  const identifier = base58Encode(Buffer.from(`${timestampSec}:${keyId}`, 'latin1'));
  const signedPayload = `${prefix}_v1_${identifier}_`;
  return signedPayload + computeChecksum(signedPayload, secret);
}

/**
 * Tries each secret in order (current first, then unexpired retired ones — the caller picks them)
 * and stops at the first match. Each comparison is constant-time; how many secrets were tried is
 * not hidden, which reveals only the position of the matching secret, never its bytes.
 */
export function checksumMatches(parts: IssuedKeyParts, secrets: readonly Buffer[]): boolean {
  for (const secret of secrets) {
    if (constantTimeEqual(computeChecksum(parts.signedPayload, secret), parts.checksum)) return true;
  }
  return false;
}

export type CredentialType = 'derived_jwt' | 'derived_macaroon' | 'issued' | 'imported';

const JWT_PATTERN = /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Routes a credential by shape (SPEC §1), first match wins. `macaroonPrefixes` are the current and
 * retired macaroon prefixes; empty strings are ignored so a config slip cannot swallow everything
 * starting with "_v1_".
 */
export function classifyCredential(credential: string, macaroonPrefixes: readonly string[]): CredentialType {
  return routeCredential(credential, macaroonPrefixes).type;
}

/** classifyCredential, also returning the parsed parts of an issued key so verify parses once. */
export function routeCredential(credential: string, macaroonPrefixes: readonly string[]): { type: CredentialType; issued?: IssuedKeyParts } {
  if (JWT_PATTERN.test(credential)) return { type: 'derived_jwt' };
  for (const prefix of macaroonPrefixes) {
    if (prefix !== '' && credential.startsWith(`${prefix}_v1_`)) return { type: 'derived_macaroon' };
  }
  const issued = parseIssuedKey(credential);
  return issued ? { type: 'issued', issued } : { type: 'imported' };
}

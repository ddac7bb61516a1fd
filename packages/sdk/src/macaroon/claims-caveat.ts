import { MacaroonFormatError } from './format-error.js';

// The first caveat of every Keysmith macaroon carries the sealed claims (the same names as a derived
// JWT: jti, sub, iss, iat, nbf, exp, act, scp, meta, nid, vis, acl and custom claims) as compact JSON:
//   keysmith-claims = {"jti":"…","sub":"…",…}
// It is signed like any caveat, so it cannot be altered or dropped; a holder reads it but cannot change it.

export const CLAIMS_CAVEAT_PREFIX = 'keysmith-claims = ';
const PREFIX_BYTES = Buffer.from(CLAIMS_CAVEAT_PREFIX, 'utf8');
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeClaimsCaveat(claims: Record<string, unknown>): Buffer {
  return Buffer.from(CLAIMS_CAVEAT_PREFIX + JSON.stringify(claims), 'utf8');
}

export function isClaimsCaveat(id: Buffer): boolean {
  return id.length >= PREFIX_BYTES.length && id.subarray(0, PREFIX_BYTES.length).equals(PREFIX_BYTES);
}

/** The claims object of a claims caveat; throws MacaroonFormatError if it is not one. */
export function decodeClaimsCaveat(id: Buffer): Record<string, unknown> {
  if (!isClaimsCaveat(id)) throw new MacaroonFormatError('the first caveat does not carry the claims');
  let claims: unknown;
  try {
    claims = JSON.parse(utf8.decode(id.subarray(PREFIX_BYTES.length)));
  } catch {
    throw new MacaroonFormatError('the claims caveat is not JSON');
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw new MacaroonFormatError('the claims caveat is not a JSON object');
  return claims as Record<string, unknown>;
}

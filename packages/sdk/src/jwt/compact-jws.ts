import { parseJsonObject } from './json-object.js';
import { JwtVerificationError } from './jwt-verification-error.js';

/**
 * Size bounds. A Keysmith token is well under 16 KB even with 4 KB of custom claims and 4 KB of
 * metadata; its header (`{"alg","kid","typ"}`) is under 100 characters. Anything longer is refused
 * before a regular expression, a base64 decoder or JSON.parse sees it.
 */
export const MAX_TOKEN_LENGTH = 16_384;
export const MAX_HEADER_LENGTH = 1_024;

// Three base64url segments, nothing else: no padding, no whitespace, no fourth or JWE segment.
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A compact JWS taken apart; the payload is still encoded (it is read only after the signature verified). */
export interface CompactJws {
  readonly alg: string;
  readonly kid: string;
  readonly header: Readonly<Record<string, unknown>>;
  /** The exact ASCII bytes `<header>.<payload>` the signature covers. */
  readonly signingInput: Buffer;
  readonly payloadSegment: string;
  readonly signature: Buffer;
}

const malformed = (message: string) => new JwtVerificationError('malformed', message);

/**
 * Strict compact parsing (RFC 7515 §7.1), the way jose does it and a little stricter:
 * - exactly three non-empty base64url segments, each in canonical form (no padding, unused bits zero),
 *   so one signature has exactly one spelling;
 * - the header is UTF-8 JSON, an object, with a non-empty string `alg` and `kid`;
 * - `crit` is refused whatever it lists: we implement no JWS extension, and an extension we ignored
 *   could change what the signature means (RFC 7515 §4.1.11). jose refuses unknown ones too.
 * Header members that name a key (`jwk`, `jku`, `x5u`, `x5c`) are never used: keys come from the
 * configured JWKS only, chosen by `kid`.
 */
export function parseCompactJws(token: unknown): CompactJws {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !JWS_SHAPE.test(token)) throw malformed('The token is not a compact JWS.');
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  const h = token.slice(0, dot1);
  const payloadSegment = token.slice(dot1 + 1, dot2);
  const s = token.slice(dot2 + 1);
  if (h.length > MAX_HEADER_LENGTH) throw malformed('The token header is too large.');
  if (!canonical(h) || !canonical(payloadSegment) || !canonical(s)) throw malformed('The token is not canonical base64url.');
  const header = parseJsonObject(Buffer.from(h, 'base64url'));
  if (!header) throw malformed('The token header is not a JSON object.');
  // Own members only: a polluted Object.prototype must not lend a header its alg or kid.
  const alg = Object.hasOwn(header, 'alg') ? header.alg : undefined;
  const kid = Object.hasOwn(header, 'kid') ? header.kid : undefined;
  if (typeof alg !== 'string' || alg === '') throw malformed('The token header has no "alg".');
  if (typeof kid !== 'string' || kid === '') throw malformed('The token header has no "kid".');
  if (Object.hasOwn(header, 'crit')) throw malformed('The token header has a "crit" member.');
  return {
    alg,
    kid,
    header,
    // The shape check above makes the token ASCII, so latin1 is its exact bytes.
    signingInput: Buffer.from(token.slice(0, dot2), 'latin1'),
    payloadSegment,
    signature: Buffer.from(s, 'base64url'),
  };
}

/** Decodes the payload segment (canonical already) to the claims object, or null when it is not one. */
export function decodePayload(jws: CompactJws): Record<string, unknown> | null {
  return parseJsonObject(Buffer.from(jws.payloadSegment, 'base64url'));
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Canonical unpadded base64url: a length that is not 1 mod 4, and zero bits in the last character
 * beyond the data (4 bits when 2 characters remain, 2 when 3 remain). Node's and jose's decoders
 * ignore those bits, so without this a signature has 4 or 16 spellings that all verify.
 */
function canonical(segment: string): boolean {
  const rem = segment.length % 4;
  if (rem === 0) return true;
  if (rem === 1) return false;
  const last = B64URL.indexOf(segment[segment.length - 1]);
  return (last & (rem === 2 ? 0x0f : 0x03)) === 0;
}

import { decodeMacaroonV2, encodeMacaroonV2, type MacaroonV2 } from './binary-v2.js';
import { MacaroonFormatError } from './format-error.js';
import { MAX_TOKEN_CHARS } from './limits.js';

// A Keysmith macaroon token: `<prefix>_v1_<base64url(v2 binary)>` (SPEC §1), unpadded base64url.

const PREFIX = /^[a-zA-Z0-9_]{1,16}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MARKER = '_v1_';

export function formatMacaroonToken(prefix: string, m: MacaroonV2): string {
  if (!PREFIX.test(prefix)) throw new MacaroonFormatError('invalid macaroon prefix');
  const token = `${prefix}${MARKER}${encodeMacaroonV2(m).toString('base64url')}`;
  if (token.length > MAX_TOKEN_CHARS) throw new MacaroonFormatError(`macaroon token exceeds ${MAX_TOKEN_CHARS} characters`);
  return token;
}

/**
 * Decodes the body after a known `<prefix>_v1_`. Strict: base64url alphabet only, no padding, and the
 * canonical encoding only (Node's decoder ignores stray trailing bits; we refuse them by re-encoding).
 */
export function decodeMacaroonBody(body: string): MacaroonV2 {
  if (body.length === 0 || body.length > MAX_TOKEN_CHARS || !BASE64URL.test(body) || body.length % 4 === 1)
    throw new MacaroonFormatError('macaroon body is not base64url');
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.toString('base64url') !== body) throw new MacaroonFormatError('macaroon body is not canonical base64url');
  return decodeMacaroonV2(bytes);
}

/**
 * Splits a token whose prefix the caller does not know (offline attenuation). The prefix may itself
 * contain "_v1_" and so may the base64url body, so every split point is tried from the left and the
 * first whose prefix is well-formed and whose body decodes wins.
 */
export function parseMacaroonToken(token: string): { prefix: string; macaroon: MacaroonV2 } {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) throw new MacaroonFormatError('not a macaroon token');
  let error: unknown = new MacaroonFormatError('not a macaroon token');
  for (let at = token.indexOf(MARKER, 1); at > 0; at = token.indexOf(MARKER, at + 1)) {
    const prefix = token.slice(0, at);
    if (!PREFIX.test(prefix)) continue;
    try {
      return { prefix, macaroon: decodeMacaroonBody(token.slice(at + MARKER.length)) };
    } catch (e) {
      error = e;
    }
  }
  throw error;
}

import { type HolderCaveat, formatHolderCaveat, parseHolderCaveat } from './caveat-language.js';
import { isClaimsCaveat } from './claims-caveat.js';
import { MacaroonFormatError } from './format-error.js';
import { MAX_CAVEAT_CIDRS, MAX_HOLDER_CAVEATS } from './limits.js';
import { chainSignature } from './signature.js';
import { formatMacaroonToken, parseMacaroonToken } from './token-string.js';

function tryParse(id: Buffer): HolderCaveat | null {
  try {
    return parseHolderCaveat(id.toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * Appends first-party caveats to a Keysmith macaroon, offline: no key and no server needed, because
 * sig' = HMAC(sig, caveat) and the old signature is in the token. Each caveat is given as text in the
 * caveat language or in structured form, and is checked against the grammar before it is appended
 * (text caveats are appended exactly as written). The result can only do less than the input: the
 * server ANDs every caveat with the sealed claims.
 *
 * Throws MacaroonFormatError when the token is not a macaroon whose first caveat carries the claims,
 * when a caveat is outside the language, or when the result would exceed the limits (32 holder
 * caveats, 128 CIDR ranges, 8192 characters). It does not check the signature (only the server can).
 */
export function attenuateMacaroon(token: string, caveats: readonly (string | HolderCaveat)[]): string {
  if (!Array.isArray(caveats)) throw new MacaroonFormatError('caveats must be an array');
  const { prefix, macaroon } = parseMacaroonToken(token);
  if (macaroon.caveats.length === 0 || !isClaimsCaveat(macaroon.caveats[0].id)) throw new MacaroonFormatError('not a Keysmith macaroon (no claims caveat)');
  if (macaroon.caveats.length - 1 + caveats.length > MAX_HOLDER_CAVEATS) throw new MacaroonFormatError(`at most ${MAX_HOLDER_CAVEATS} holder caveats`);
  let signature = macaroon.signature;
  let cidrs = 0;
  for (const c of macaroon.caveats.slice(1)) {
    const parsed = tryParse(c.id);
    if (parsed?.kind === 'cidrs') cidrs += parsed.cidrs.length;
  }
  const added = caveats.map((c) => {
    const text = typeof c === 'string' ? c : formatHolderCaveat(c);
    const parsed = parseHolderCaveat(text);
    if (parsed.kind === 'cidrs') cidrs += parsed.cidrs.length;
    if (cidrs > MAX_CAVEAT_CIDRS) throw new MacaroonFormatError(`at most ${MAX_CAVEAT_CIDRS} CIDR ranges in all caveats`);
    const id = Buffer.from(text, 'utf8');
    signature = chainSignature(signature, id);
    return { id };
  });
  return formatMacaroonToken(prefix, { ...macaroon, caveats: [...macaroon.caveats, ...added], signature });
}

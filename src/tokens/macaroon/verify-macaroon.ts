import { decodeClaimsCaveat, decodeMacaroonBody, type MacaroonV2, signatureMatches } from '../../../packages/sdk/src/macaroon/index.js';
import { hmacKeysAt, type ProjectContext } from '../../projects/project-context.js';
import { derivedKey } from '../derived-key.js';
import { fail, MESSAGES, type VerifyOutcome } from '../../verify/verify-result.js';
import { intersectCidrLists } from './cidr-intersection.js';
import { equalitiesHold, readHolderCaveats } from './holder-caveats.js';
import { macaroonSigningKeyFor } from './root-key.js';

const TYPE = 'derived_macaroon';
const invalid = (message: string) => fail(TYPE, 'VERIFICATION_ERROR_SIGNATURE_INVALID', message);

/** The macaroon body after whichever of the project's prefixes it carries, decoded; null if none decodes. */
function decode(ctx: ProjectContext, credential: string): { m: MacaroonV2; claims: Record<string, unknown> } | null {
  for (const prefix of ctx.macaroonPrefixes) {
    if (prefix === '' || !credential.startsWith(`${prefix}_v1_`)) continue;
    try {
      const m = decodeMacaroonBody(credential.slice(prefix.length + 4));
      if (m.caveats.length === 0) continue;
      return { m, claims: decodeClaimsCaveat(m.caveats[0].id) };
    } catch {}
  }
  return null;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/**
 * Stateless verification of a derived macaroon (no store access), in the order verify-jwt.ts uses:
 * decode (garbage → INVALID_FORMAT), `nid` must be the caller's project (else NOT_FOUND), signature
 * under the root key of the current or an unexpired retired HMAC secret (else SIGNATURE_INVALID),
 * required claims, nbf/exp with the project's clock skew, issuer current or retired-and-unexpired.
 * Then the holder caveats: any caveat outside the language → SIGNATURE_INVALID; an `exp <` caveat
 * that has passed → EXPIRED; a `name = value` that does not hold → SIGNATURE_INVALID; scope sets
 * narrow the returned scopes; CIDR sets and the sealed `acl` become one allowlist that the
 * pipeline's IP step checks (an empty intersection → IP_NOT_ALLOWED here).
 */
export function verifyDerivedMacaroon(ctx: ProjectContext, credential: string, now: number): VerifyOutcome {
  const decoded = decode(ctx, credential);
  if (!decoded) return fail(TYPE, 'VERIFICATION_ERROR_INVALID_FORMAT', 'The token is not a well-formed macaroon.');
  const { m, claims } = decoded;
  // Security: another project's token is NOT_FOUND, like its keys — the same answer as verify-jwt.ts.
  if (claims.nid !== ctx.id) return fail(TYPE, 'VERIFICATION_ERROR_NOT_FOUND', MESSAGES.derived);
  if (!hmacKeysAt(ctx, now).some((secret) => signatureMatches(m, macaroonSigningKeyFor(secret)))) return invalid('The token signature does not verify.');
  const { jti, sub, iss, iat, nbf, exp } = claims;
  if (!isStr(jti) || !isStr(sub) || !isStr(iss) || !isNum(iat) || !isNum(nbf) || !isNum(exp) || m.identifier.toString('utf8') !== jti)
    return invalid('The token claims do not verify.');
  const skew = ctx.clockSkewMs;
  if (nbf * 1000 > now + skew) return invalid('The token is not valid yet.');
  if (now >= exp * 1000 + skew) return fail(TYPE, 'VERIFICATION_ERROR_EXPIRED', 'The derived token has expired.');
  if (!ctx.issuers.some((i) => i.value === iss && (i.expiresAt === null || now < i.expiresAt)))
    return invalid('The token issuer is not accepted by this project.');

  const caveats = readHolderCaveats(m.caveats.slice(1));
  if (!caveats) return invalid('The token carries a caveat this server does not understand.');
  if (now >= caveats.expiresBefore + skew) return fail(TYPE, 'VERIFICATION_ERROR_EXPIRED', 'The derived token has expired (caveat).');
  if (!equalitiesHold(claims, caveats.equalities)) return invalid('A caveat of the token is not satisfied.');
  const sealedScopes = Array.isArray(claims.scp) ? claims.scp.map(String) : [];
  const acl = Array.isArray(claims.acl) ? claims.acl.map(String) : [];
  const lists = acl.length ? [acl, ...caveats.cidrSets] : caveats.cidrSets;
  const allowedCidrs = lists.length ? intersectCidrLists(lists) : [];
  if (allowedCidrs === null) return invalid('The token carries an unreadable IP range.');
  const key = derivedKey(claims, {
    scopes: sealedScopes.filter((s) => caveats.scopeSets.every((set) => set.includes(s))),
    expiresAt: Math.min(exp * 1000, caveats.expiresBefore),
    allowedCidrs,
  });
  // Security: the CIDR caveats contradict each other (or the sealed acl), so no address can pass.
  if (lists.length && allowedCidrs.length === 0) return fail(TYPE, 'VERIFICATION_ERROR_IP_NOT_ALLOWED', MESSAGES.ipNotAllowed, key);
  return { valid: true, type: TYPE, key };
}

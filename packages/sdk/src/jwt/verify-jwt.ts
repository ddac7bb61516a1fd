import { decodeProtectedHeader, errors, type JWTVerifyOptions, jwtVerify } from 'jose';
import type { FetchLike } from '../client/transport.js';
import { isKeysmithClaims, type KeysmithJwtClaims } from './claims.js';
import { ipAllowed } from './ip-allowed.js';
import type { JwksCache, JwksCacheOptions } from './jwks-cache.js';
import { jwksCacheFor } from './jwks-registry.js';
import { type JwtErrorCode, JwtVerificationError } from './jwt-verification-error.js';
import { VerifiedTokens } from './verified-tokens.js';

export type KeysmithJwtAlgorithm = 'EdDSA' | 'ES256' | 'RS256';

export interface VerifyJwtOptions {
  /** e.g. `https://keys.example.com/.well-known/jwks.json` (or `/projects/<slug>/.well-known/jwks.json`). */
  jwksUrl?: string;
  /** An explicit cache instead of the shared one for `jwksUrl`. */
  jwks?: JwksCache;
  /** Accepted `iss` value(s): the project's issuer (plus a retired one during an issuer change). */
  issuer: string | string[];
  /** Required `aud`, if your tokens carry one (Keysmith's own derived tokens do not). */
  audience?: string | string[];
  /** Expected project id (`nid`): tokens of another project fail with `wrong_project`. */
  projectId?: string;
  /** The caller's IP, checked against the token's `acl` claim. */
  clientIp?: string | null;
  /**
   * Default true: a token with an `acl` fails (`ip_not_allowed`) when `clientIp` is missing or
   * outside it. Set false only where the IP cannot be known and the restriction is enforced elsewhere.
   */
  enforceAcl?: boolean;
  /** Tolerance for `exp`/`nbf` against this machine's clock, in seconds (default 30). */
  clockToleranceSec?: number;
  /** Default all three Keysmith algorithms. */
  algorithms?: KeysmithJwtAlgorithm[];
  /** Used for JWKS fetches (a separate cache per fetch function). */
  fetch?: FetchLike;
  /** Epoch ms (default Date.now): token time checks and the JWKS cache. */
  now?: () => number;
  /** Options for a shared cache created by this call (max-age bounds, cooldown, …). */
  cache?: Omit<JwksCacheOptions, 'fetch' | 'now'>;
}

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 16_384;
const ALL_ALGS: KeysmithJwtAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

/**
 * Verifies a Keysmith derived JWT offline: signature against the project's published JWKS (cached,
 * see JwksCache), `exp`/`nbf`, issuer, optional audience, then `nid` and the `acl` CIDRs. Resolves
 * with the claims or rejects with a JwtVerificationError whose `code` is stable. A token already
 * verified under the same key set skips the signature check (see VerifiedTokens); time, project and
 * IP are checked on every call.
 */
export async function verifyJwt(token: string, opts: VerifyJwtOptions): Promise<KeysmithJwtClaims> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !JWS_SHAPE.test(token)) throw fail('malformed', 'The token is not a compact JWS.');
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch (e) {
    throw fail('malformed', 'The token header is not readable.', e);
  }
  const now = opts.now ?? Date.now;
  const cache = opts.jwks ?? jwksCacheFor(requireUrl(opts.jwksUrl), { ...opts.cache, fetch: opts.fetch, now });
  const snap = typeof kid === 'string' ? await cache.withKid(kid) : await cache.current();

  const algorithms = opts.algorithms ?? ALL_ALGS;
  const tolerance = opts.clockToleranceSec ?? 30;
  const at = now();
  // Everything but time that jose checks is fixed by (token, issuer, audience, algorithms, key set).
  const memoKey = snap.verified ? VerifiedTokens.key(token, JSON.stringify([opts.issuer, opts.audience ?? null, algorithms])) : '';
  let payload = snap.verified?.get(memoKey);
  if (payload) checkTime(payload, Math.floor(at / 1000), tolerance);
  else {
    const verifyOpts: JWTVerifyOptions = {
      algorithms,
      issuer: opts.issuer,
      clockTolerance: tolerance,
      currentDate: new Date(at),
      requiredClaims: ['exp', 'nbf', 'iat', 'sub', 'iss', 'nid'],
      ...(opts.audience !== undefined ? { audience: opts.audience } : {}),
    };
    try {
      ({ payload } = await jwtVerify(token, snap.getKey, verifyOpts));
    } catch (e) {
      throw mapJoseError(e);
    }
    snap.verified?.set(memoKey, payload);
  }
  if (!isKeysmithClaims(payload)) throw fail('malformed', 'The token lacks the claims of a Keysmith derived token.');
  // Security: a token of another project says nothing about this one, whatever else it proves.
  if (opts.projectId !== undefined && payload.nid !== opts.projectId) throw fail('wrong_project', 'The token belongs to another project.');
  if (payload.acl?.length && (opts.enforceAcl ?? true) && !ipAllowed(payload.acl, opts.clientIp))
    throw fail('ip_not_allowed', 'The client address is not allowed to use this token.');
  return payload;
}

/** jose's own rule (lib/jwt_claims_set.js), for a remembered token: nbf > now + tol fails, exp <= now − tol fails. */
function checkTime(p: Record<string, unknown>, nowSec: number, tolerance: number): void {
  if (typeof p.nbf === 'number' && p.nbf > nowSec + tolerance) throw fail('not_yet_valid', 'The token is not valid yet.');
  if (typeof p.exp === 'number' && p.exp <= nowSec - tolerance) throw fail('expired', 'The token has expired.');
}

function requireUrl(url: string | undefined): string {
  if (!url) throw new TypeError('verifyJwt needs jwksUrl (or jwks)');
  return url;
}

const fail = (code: JwtErrorCode, message: string, cause?: unknown) => new JwtVerificationError(code, message, cause === undefined ? undefined : { cause });

/** jose's error classes → our stable codes. Anything unrecognised is a verification failure, never a pass. */
function mapJoseError(e: unknown): JwtVerificationError {
  if (e instanceof JwtVerificationError) return e;
  if (e instanceof errors.JWTExpired) return fail('expired', 'The token has expired.', e);
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return fail('wrong_audience', 'The token audience is not accepted.', e);
    if (e.reason === 'missing' || e.reason === 'invalid') return fail('malformed', `The token claim "${e.claim}" is missing or invalid.`, e);
    if (e.claim === 'nbf') return fail('not_yet_valid', 'The token is not valid yet.', e);
    if (e.claim === 'iss') return fail('wrong_issuer', 'The token issuer is not accepted.', e);
    return fail('malformed', `The token claim "${e.claim}" does not validate.`, e);
  }
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return fail('malformed', 'The token is not a valid JWS/JWT.', e);
  if (e instanceof errors.JWKSNoMatchingKey) return fail('signature_invalid', 'No published key matches the token (kid/alg).', e);
  return fail('signature_invalid', 'The token signature does not verify.', e);
}

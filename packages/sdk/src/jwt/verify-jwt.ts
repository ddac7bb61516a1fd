import type { FetchLike } from '../client/transport.js';
import { isKeysmithClaims, type KeysmithJwtClaims } from './claims.js';
import { checkTime, validateClaims } from './claims-set.js';
import { type CompactJws, decodePayload, parseCompactJws } from './compact-jws.js';
import { ipAllowed } from './ip-allowed.js';
import { ALL_ALGORITHMS, JWS_ALGORITHMS, type KeysmithJwtAlgorithm, verifyWith } from './jws-algorithms.js';
import type { JwksCache, JwksCacheOptions, JwksSnapshot } from './jwks-cache.js';
import { jwksCacheFor } from './jwks-registry.js';
import { type JwtErrorCode, JwtVerificationError } from './jwt-verification-error.js';
import { VerifiedTokens } from './verified-tokens.js';

export type { KeysmithJwtAlgorithm } from './jws-algorithms.js';

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

/**
 * Verifies a Keysmith derived JWT offline: signature against the project's published JWKS (cached,
 * see JwksCache), `exp`/`nbf`, issuer, optional audience, then `nid` and the `acl` CIDRs. Resolves
 * with the claims or rejects with a JwtVerificationError whose `code` is stable. A token already
 * verified under the same key set skips the signature check (see VerifiedTokens); time, project and
 * IP are checked on every call.
 *
 * The signature check is one synchronous node:crypto.verify on the KeyObject imported when the set
 * was fetched (ADR 0007): no WebCrypto job, no thread-pool hop, no key import per token.
 */
export async function verifyJwt(token: string, opts: VerifyJwtOptions): Promise<KeysmithJwtClaims> {
  const jws = parseCompactJws(token);
  const algorithms = opts.algorithms ?? ALL_ALGORITHMS;
  // Security: `none`, HS256 (an HMAC keyed with our public key), PS256, … and anything the caller did
  // not allow are refused here, before any key is looked at or fetched.
  if (!JWS_ALGORITHMS.has(jws.alg) || !algorithms.includes(jws.alg as KeysmithJwtAlgorithm))
    throw fail('signature_invalid', 'The token algorithm is not accepted.');
  const now = opts.now ?? Date.now;
  const tolerance = opts.clockToleranceSec ?? 30;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('clockToleranceSec must be a finite number ≥ 0');
  const cache = opts.jwks ?? jwksCacheFor(requireUrl(opts.jwksUrl), { ...opts.cache, fetch: opts.fetch, now });
  const snap = await cache.withKid(jws.kid);

  const nowSec = Math.floor(now() / 1000);
  // Everything but time is fixed by (token, issuer, audience, algorithms, key set).
  const memoKey = snap.verified ? VerifiedTokens.key(token, JSON.stringify([opts.issuer, opts.audience ?? null, algorithms])) : '';
  let payload = snap.verified?.get(memoKey);
  if (payload) checkTime(payload, nowSec, tolerance);
  else {
    checkSignature(jws, snap);
    // Only now is the payload read: nothing an attacker wrote is parsed before the signature verified.
    payload = decodePayload(jws) ?? undefined;
    if (!payload) throw fail('malformed', 'The token claims are not a JSON object.');
    validateClaims(payload, { issuer: opts.issuer, audience: opts.audience, tolerance, nowSec });
    snap.verified?.set(memoKey, payload);
  }
  if (!isKeysmithClaims(payload)) throw fail('malformed', 'The token lacks the claims of a Keysmith derived token.');
  // Security: a token of another project says nothing about this one, whatever else it proves.
  if (opts.projectId !== undefined && payload.nid !== opts.projectId) throw fail('wrong_project', 'The token belongs to another project.');
  if (payload.acl?.length && (opts.enforceAcl ?? true) && !ipAllowed(payload.acl, opts.clientIp))
    throw fail('ip_not_allowed', 'The client address is not allowed to use this token.');
  return payload;
}

/**
 * The key is chosen by `kid` alone and must be of the header's algorithm: a kid that names an RSA
 * key cannot verify an EdDSA token, whatever the header says. Normally one candidate; a set that
 * publishes one kid twice has each tried (as jose does).
 */
function checkSignature(jws: CompactJws, snap: JwksSnapshot): void {
  const candidates = snap.keys.get(jws.kid);
  let keyFound = false;
  if (candidates)
    for (const k of candidates) {
      if (k.alg !== jws.alg) continue;
      keyFound = true;
      if (jws.signature.length === k.signatureBytes && verifyWith(k.algorithm, k.prepared, jws.signingInput, jws.signature)) return;
    }
  // Security: unknown kid, a key of another algorithm, and a bad signature are one outcome.
  throw fail('signature_invalid', keyFound ? 'The token signature does not verify.' : 'No published key matches the token (kid/alg).');
}

function requireUrl(url: string | undefined): string {
  if (!url) throw new TypeError('verifyJwt needs jwksUrl (or jwks)');
  return url;
}

const fail = (code: JwtErrorCode, message: string, cause?: unknown) => new JwtVerificationError(code, message, cause === undefined ? undefined : { cause });

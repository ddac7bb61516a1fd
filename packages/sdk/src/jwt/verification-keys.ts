import { createPublicKey, type KeyObject } from 'node:crypto';
import { type JwsAlgorithm, JWS_ALGORITHMS, type KeysmithJwtAlgorithm } from './jws-algorithms.js';

/** One published key, imported once when the JWKS is fetched, ready for crypto.verify. */
export interface VerificationKey {
  readonly kid: string;
  /** The one algorithm this key verifies (its JWK `alg`, or implied by `kty`/`crv`). */
  readonly alg: KeysmithJwtAlgorithm;
  readonly algorithm: JwsAlgorithm;
  readonly key: KeyObject;
  /** The crypto.verify key argument, built once (ES256's dsaEncoding, RS256's padding). */
  readonly prepared: ReturnType<JwsAlgorithm['prepare']>;
  readonly signatureBytes: number;
}

// Private members of any JWK type (RFC 7518 §6): a set that publishes one is refused key by key.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Imports the usable keys of a JWK set, grouped by `kid`. A key that is not usable is left out, not
 * fatal to the set: its tokens then fail like those of an unknown key, and the other keys still work.
 * Usable means what jose's local JWK set accepts (`use` absent or "sig", `key_ops` a list without
 * duplicates that includes "verify", `ext` boolean if present), narrowed to Keysmith's three
 * algorithms, and: a string `kid` (tokens choose their key by kid only), public members only, a `kty`
 * and `crv` that match the algorithm, and a key OpenSSL imports as that type (the point on the curve,
 * RSA ≥ 2048 bits).
 */
export function importVerificationKeys(keys: readonly unknown[]): Map<string, VerificationKey[]> {
  const byKid = new Map<string, VerificationKey[]>();
  for (const jwk of keys) {
    const key = importVerificationKey(jwk);
    if (!key) continue;
    const list = byKid.get(key.kid);
    if (list) list.push(key);
    else byKid.set(key.kid, [key]);
  }
  return byKid;
}

/** One JWK → a VerificationKey, or null when it is not usable (see importVerificationKeys). */
export function importVerificationKey(input: unknown): VerificationKey | null {
  if (!isPlainObject(input)) return null;
  const jwk = input as Record<string, unknown>;
  if (typeof jwk.kid !== 'string' || jwk.kid === '') return null;
  if (jwk.use !== undefined && jwk.use !== 'sig') return null;
  if (jwk.ext !== undefined && typeof jwk.ext !== 'boolean') return null;
  if (jwk.key_ops !== undefined && !verifyOps(jwk.key_ops)) return null;
  // Security: a JWKS is public; one that carries a private key is a misconfiguration we do not use.
  if (PRIVATE_MEMBERS.some((m) => Object.hasOwn(jwk, m))) return null;
  const algorithm = algorithmOf(jwk);
  if (!algorithm) return null;
  const members: Record<string, unknown> = {};
  for (const m of algorithm.publicMembers) {
    if (typeof jwk[m] !== 'string') return null;
    members[m] = jwk[m];
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members as never, format: 'jwk' });
  } catch {
    return null; // not base64url, not on the curve, not a key at all
  }
  if (key.type !== 'public' || !algorithm.fits(key)) return null;
  return { kid: jwk.kid, alg: algorithm.alg, algorithm, key, prepared: algorithm.prepare(key), signatureBytes: algorithm.signatureBytes(key) };
}

/**
 * The key's one algorithm. A JWK `alg` must be one of ours and agree with `kty`/`crv`; without `alg`
 * the type implies it (OKP/Ed25519 → EdDSA, EC/P-256 → ES256, RSA → RS256, the only RSA algorithm
 * we accept) — the same keys jose would pick for those algorithms.
 */
function algorithmOf(jwk: Record<string, unknown>): JwsAlgorithm | null {
  if (jwk.alg !== undefined) {
    const a = typeof jwk.alg === 'string' ? JWS_ALGORITHMS.get(jwk.alg) : undefined;
    return a && a.kty === jwk.kty && (a.crv === undefined || a.crv === jwk.crv) ? a : null;
  }
  for (const a of JWS_ALGORITHMS.values()) if (a.kty === jwk.kty && (a.crv === undefined || a.crv === jwk.crv)) return a;
  return null;
}

function verifyOps(ops: unknown): boolean {
  return Array.isArray(ops) && ops.every((op, i) => typeof op === 'string' && ops.indexOf(op) === i) && ops.includes('verify');
}

function isPlainObject(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

import { constants, type KeyObject, verify } from 'node:crypto';

/** The JWS algorithms Keysmith signs derived JWTs with (SPEC §1) — and the only ones this SDK verifies. */
export type KeysmithJwtAlgorithm = 'EdDSA' | 'ES256' | 'RS256';

/** What one algorithm needs from a JWK and how OpenSSL checks its signature, synchronously. */
export interface JwsAlgorithm {
  readonly alg: KeysmithJwtAlgorithm;
  /** The JWK `kty` (and `crv`) a key of this algorithm must have: an RSA key never verifies an EdDSA token. */
  readonly kty: 'OKP' | 'EC' | 'RSA';
  readonly crv?: 'Ed25519' | 'P-256';
  /** The JWK members that make up the public key; everything else is dropped before import. */
  readonly publicMembers: readonly string[];
  /** Does the imported key really fit (OpenSSL's view, not the JWK's claim)? */
  fits(key: KeyObject): boolean;
  /** The exact signature length in bytes: anything else is refused before OpenSSL sees it. */
  signatureBytes(key: KeyObject): number;
  /** `key` is the prepared argument of crypto.verify (a KeyObject or an options object around it). */
  prepare(key: KeyObject): KeyObject | { key: KeyObject; dsaEncoding?: 'ieee-p1363'; padding?: number };
  /** OpenSSL digest name, or null where the algorithm hashes internally (Ed25519). */
  readonly digest: 'sha256' | null;
}

/** jose's floor for RSA keys (lib/jws_algorithms.js minRsaBits): smaller moduli are refused. */
export const MIN_RSA_BITS = 2048;

const EdDSA: JwsAlgorithm = {
  alg: 'EdDSA',
  kty: 'OKP',
  crv: 'Ed25519',
  publicMembers: ['kty', 'crv', 'x'],
  fits: (k) => k.asymmetricKeyType === 'ed25519',
  signatureBytes: () => 64,
  prepare: (k) => k,
  digest: null,
};

const ES256: JwsAlgorithm = {
  alg: 'ES256',
  kty: 'EC',
  crv: 'P-256',
  publicMembers: ['kty', 'crv', 'x', 'y'],
  fits: (k) => k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1',
  // JWS carries ECDSA as r ‖ s, 32 bytes each (RFC 7518 §3.4), not DER: hence ieee-p1363.
  signatureBytes: () => 64,
  prepare: (k) => ({ key: k, dsaEncoding: 'ieee-p1363' }),
  digest: 'sha256',
};

const RS256: JwsAlgorithm = {
  alg: 'RS256',
  kty: 'RSA',
  publicMembers: ['kty', 'n', 'e'],
  fits: (k) => k.asymmetricKeyType === 'rsa' && (k.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS,
  signatureBytes: (k) => Math.ceil((k.asymmetricKeyDetails?.modulusLength ?? 0) / 8),
  // RSASSA-PKCS1-v1_5, stated rather than left to the default, so no key type can turn it into PSS.
  prepare: (k) => ({ key: k, padding: constants.RSA_PKCS1_PADDING }),
  digest: 'sha256',
};

/** A Map, not an object literal: a header `alg` of "__proto__" or "constructor" finds nothing. */
export const JWS_ALGORITHMS: ReadonlyMap<string, JwsAlgorithm> = new Map([EdDSA, ES256, RS256].map((a) => [a.alg, a]));

export const ALL_ALGORITHMS: readonly KeysmithJwtAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

/**
 * One synchronous OpenSSL verification of `signature` over `input`. Never throws: a signature
 * OpenSSL cannot even parse is simply not valid.
 */
export function verifyWith(algorithm: JwsAlgorithm, prepared: ReturnType<JwsAlgorithm['prepare']>, input: Buffer, signature: Buffer): boolean {
  try {
    return verify(algorithm.digest, input, prepared, signature);
  } catch {
    // Security: an OpenSSL error (odd encoding, wrong key type) is a failed check, never a pass.
    return false;
  }
}

import { generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';
import type { EnvelopeCipher } from '../crypto/envelope.js';
import type { IdSource } from '../shared/ids.js';
import type { ProjectSecretRecord } from '../store/records.js';
import { sealContext } from './secret-contexts.js';

export const HMAC_SECRET_BYTES = 32;
export type SigningAlgorithm = 'EdDSA' | 'ES256' | 'RS256';

/** A fresh, sealed HMAC secret (checksums, macaroon root key, page-token key all derive from it). */
export function newHmacSecret(projectId: string, cipher: EnvelopeCipher, ids: IdSource, now: number): ProjectSecretRecord {
  const id = ids.uuid();
  return {
    secretId: id,
    kind: 'hmac',
    algorithm: 'HS256',
    state: 'current',
    sealed: cipher.seal(ids.secret(HMAC_SECRET_BYTES), sealContext(projectId, 'hmac', id)),
    publicJwk: null,
    createdAt: now,
    expiresAt: null,
  };
}

/** A fresh key pair for JWT signing with `algorithm` (RSA: 2048 bits). */
export function generateSigningKeyPair(algorithm: SigningAlgorithm): KeyPairKeyObjectResult {
  if (algorithm === 'EdDSA') return generateKeyPairSync('ed25519');
  if (algorithm === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/** A fresh signing key pair: private part sealed (PKCS#8 DER), public part kept as a JWK with kid/alg/use. */
export function newSigningKey(projectId: string, algorithm: SigningAlgorithm, cipher: EnvelopeCipher, ids: IdSource, now: number): ProjectSecretRecord {
  const id = ids.uuid();
  const pair = generateSigningKeyPair(algorithm);
  const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: id, alg: algorithm, use: 'sig' };
  return {
    secretId: id,
    kind: 'signing',
    algorithm,
    state: 'current',
    sealed: cipher.seal(pair.privateKey.export({ format: 'der', type: 'pkcs8' }), sealContext(projectId, 'signing', id)),
    publicJwk: JSON.stringify(publicJwk),
    createdAt: now,
    expiresAt: null,
  };
}

import { type KeyObject, sign } from 'node:crypto';

/**
 * Compact JWS (RFC 7515) signing for the three algorithms a project can choose, straight on node:crypto:
 * one synchronous OpenSSL call. jose's SignJWT goes through WebCrypto, an async thread-pool job per
 * token that cost more than the signature itself on the derive path (docs/benchmarks.md, derive-http).
 * Tokens are verified by jose, the SDK and any JOSE library (tests: test/api/derive.test.ts,
 * test/sdk/verify-jwt-algorithms.test.ts).
 */
export type JwsAlgorithm = 'EdDSA' | 'ES256' | 'RS256';

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

export function signJws(alg: string, kid: string, key: KeyObject, claims: object): string {
  const input = `${b64url(JSON.stringify({ alg, kid, typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  const data = Buffer.from(input, 'latin1'); // base64url is ASCII
  let signature: Buffer;
  switch (alg as JwsAlgorithm) {
    case 'EdDSA':
      signature = sign(null, data, key);
      break;
    case 'ES256':
      // JWS wants R ‖ S (64 bytes), not DER.
      signature = sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
      break;
    case 'RS256':
      signature = sign('sha256', data, key); // RSASSA-PKCS1-v1_5, the RSA default
      break;
    default:
      throw new Error(`unsupported JWS algorithm ${alg}`);
  }
  return `${input}.${signature.toString('base64url')}`;
}

import { constants, createHmac, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// Test-side JWS tooling for hostile tokens: keys we hold, a compact signer that signs any header and
// payload bytes we choose (jose's SignJWT would refuse most of what these tests need), and a real
// HTTP JWKS server whose key list a test can change.

export type Alg = 'EdDSA' | 'ES256' | 'RS256';

export interface Signer {
  alg: Alg;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Published form: public members + kid/alg/use, like Keysmith's JWKS entries. */
  jwk: Record<string, unknown>;
}

export function newSigner(alg: Alg, opts: { modulusLength?: number; kid?: string } = {}): Signer {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: opts.modulusLength ?? 2048 });
  const kid = opts.kid ?? randomUUID();
  return { alg, kid, ...pair, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

/** base64url of a JSON value, a string or raw bytes. */
export const b64 = (v: unknown): string => (Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))).toString('base64url');

/** A raw signature over `input` with `key` as algorithm `alg` (any of ours, plus PS256 and HS256 for attacks). */
export function rawSign(alg: Alg | 'PS256' | 'ES256-DER' | 'HS256', input: string, key: KeyObject | Buffer | string): Buffer {
  if (alg === 'HS256')
    return createHmac('sha256', key as Buffer | string)
      .update(input)
      .digest();
  const k = key as KeyObject;
  if (alg === 'EdDSA') return sign(null, Buffer.from(input), k);
  if (alg === 'ES256') return sign('sha256', Buffer.from(input), { key: k, dsaEncoding: 'ieee-p1363' });
  if (alg === 'ES256-DER') return sign('sha256', Buffer.from(input), { key: k, dsaEncoding: 'der' });
  if (alg === 'PS256') return sign('sha256', Buffer.from(input), { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  return sign('sha256', Buffer.from(input), k);
}

/**
 * `<header>.<payload>.<signature>`. Header and payload are JSON values, or `{ raw }` to sign exact
 * bytes (invalid UTF-8, arrays, `__proto__` spellings…). Signs as `signer.alg` unless `as` says otherwise.
 */
export function signCompact(
  header: Record<string, unknown> | { raw: Buffer | string },
  payload: Record<string, unknown> | { raw: Buffer | string },
  signer: Pick<Signer, 'alg' | 'privateKey'>,
  as?: Parameters<typeof rawSign>[0],
): string {
  const enc = (v: Record<string, unknown>) => b64(typeof v.raw === 'string' || Buffer.isBuffer(v.raw) ? (v.raw as Buffer | string) : v);
  const input = `${enc(header)}.${enc(payload)}`;
  return `${input}.${rawSign(as ?? signer.alg, input, signer.privateKey).toString('base64url')}`;
}

/** A JWKS on a real loopback port: `keys` is read on every request; `count()` = requests served. */
export async function startJwksServer(keys: () => unknown[], maxAge = 60): Promise<{ url: string; count(): number; close(): Promise<void> }> {
  let served = 0;
  const server = createServer((_req, res) => {
    served += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': `public, max-age=${maxAge}` }).end(JSON.stringify({ keys: keys() }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    count: () => served,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Deterministic PRNG (mulberry32), so a failing random case can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

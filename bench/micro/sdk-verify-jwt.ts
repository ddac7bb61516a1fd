import { KeyObject, randomUUID, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { JwksCache, verifyJwt } from '../../packages/sdk/src/index.js';

/**
 * Per core = per CPU-second: the process's CPU time (user + system, all threads) divided by the
 * verifications, so the figure does not depend on how many other processes share the machine. The
 * SDK checks signatures synchronously with node:crypto.verify on the main thread (ADR 0007); counting
 * every thread still matters, since a verifier that moved work to the libuv pool (as WebCrypto does)
 * must not look cheaper for it. Wall-clock figures of the same sequential loop are reported beside it.
 * `opensslUsPerOp` is a bare crypto.verify of the same signature: the floor the SDK is measured against.
 */
export interface SdkVerifyJwtResult {
  /** Verifications per CPU-second (= per fully used core). */
  verificationsPerSec: number;
  /** CPU µs per verification. */
  usPerOp: number;
  /** Sequential verifications per wall-clock second, and wall µs per verification (noisy on a shared machine). */
  wallPerSec?: number;
  wallUsPerOp?: number;
  /** The same token again under the same key set (signature already checked; time, project and IP rechecked), per CPU-second. */
  rememberedPerSec?: number;
  rememberedUsPerOp?: number;
  /** CPU µs of one bare node:crypto.verify (Ed25519) of the same token: what the SDK adds is usPerOp minus this. */
  opensslUsPerOp?: number;
}

const ISSUER = 'https://keys.bench.example';
const PROJECT = '6f1c2a9e-0000-4000-8000-000000000001';

/**
 * sdk-verify-jwt: `verifyJwt` of a Keysmith-shaped derived JWT (EdDSA, the default algorithm) with the
 * JWKS already cached — what a relying service pays per request. The token carries the same sealed
 * claims as a real one (sub, act, scp, meta, nid, vis, acl) and the project and IP checks run. The JWKS
 * is served over real HTTP from node:http (with Keysmith's Cache-Control) and fetched once.
 * The headline figure checks the signature on every call (the remembered-token cache is off); the
 * `remembered*` figures are the repeat-token case a service sees for the rest of a token's session.
 */
export async function runSdkVerifyJwtBench(opts: { seconds: number }): Promise<SdkVerifyJwtResult> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=60' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      jti: randomUUID(),
      sub: randomUUID(),
      iss: ISSUER,
      iat: now,
      nbf: now,
      exp: now + 3600,
      act: 'bench-agent',
      scp: ['read', 'write'],
      meta: { team: 'bench', tier: 2 },
      nid: PROJECT,
      vis: 'secret',
      acl: ['10.0.0.0/8'],
    })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
      .sign(privateKey);
    const measure = async (verifiedTokens: number) => {
      const jwks = new JwksCache(jwksUrl, { verifiedTokens });
      const verifyOpts = { jwks, issuer: ISSUER, projectId: PROJECT, clientIp: '10.1.2.3' };
      const op = async () => (await verifyJwt(token, verifyOpts)).nid === PROJECT;
      if (!(await op())) throw new Error('sdk-verify-jwt: the token does not verify');
      await loop(op, Math.min(0.5, opts.seconds / 4)); // warm-up: JIT, key import, jose internals
      const cpu0 = process.cpuUsage();
      const { iterations, seconds } = await loop(op, opts.seconds);
      const cpuUs = process.cpuUsage(cpu0);
      if (jwks.fetchCount !== 1) throw new Error(`sdk-verify-jwt: expected one JWKS fetch, saw ${jwks.fetchCount}`);
      return { iterations, seconds, cpuUs: cpuUs.user + cpuUs.system };
    };
    const full = await measure(0);
    const remembered = await measure(10_000);
    const openssl = await measureOpenssl(token, publicKey, Math.min(1, opts.seconds)); // a reference, not the figure: 1 s is enough
    return {
      verificationsPerSec: Math.round((full.iterations * 1e6) / full.cpuUs),
      usPerOp: Number((full.cpuUs / full.iterations).toFixed(2)),
      wallPerSec: Math.round(full.iterations / full.seconds),
      wallUsPerOp: Number(((full.seconds * 1e6) / full.iterations).toFixed(2)),
      rememberedPerSec: Math.round((remembered.iterations * 1e6) / remembered.cpuUs),
      rememberedUsPerOp: Number((remembered.cpuUs / remembered.iterations).toFixed(2)),
      opensslUsPerOp: Number(openssl.toFixed(2)),
    };
  } finally {
    server.close();
  }
}

/** CPU µs per bare crypto.verify of the token's signature with the same public key (no parsing, no claims). */
async function measureOpenssl(token: string, publicKey: Parameters<typeof KeyObject.from>[0], seconds: number): Promise<number> {
  const key = KeyObject.from(publicKey);
  const dot = token.lastIndexOf('.');
  const input = Buffer.from(token.slice(0, dot));
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  const op = async () => verify(null, input, key, signature);
  await loop(op, Math.min(0.5, seconds / 4));
  const cpu0 = process.cpuUsage();
  const { iterations } = await loop(op, seconds);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / iterations;
}

async function loop(op: () => Promise<boolean>, seconds: number): Promise<{ iterations: number; seconds: number }> {
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let iterations = 0;
  for (;;) {
    for (let i = 0; i < 200; i++) if (!(await op())) throw new Error('sdk-verify-jwt: a verification failed');
    iterations += 200;
    const elapsed = process.hrtime.bigint() - start;
    if (elapsed >= budget) return { iterations, seconds: Number(elapsed) / 1e9 };
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const seconds = Number(process.env.SECONDS_PER_RUN ?? 3);
  console.log(JSON.stringify({ scenario: 'sdk-verify-jwt', node: process.version, seconds, ...(await runSdkVerifyJwtBench({ seconds })) }));
}

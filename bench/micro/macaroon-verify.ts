import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { attenuateMacaroon } from '../../packages/sdk/src/macaroon/index.js';
import type { ProjectContext } from '../../src/projects/project-context.js';
import type { DerivedClaims } from '../../src/tokens/jwt-claims.js';
import { mintMacaroon } from '../../src/tokens/macaroon/mint-macaroon.js';
import { verifyDerivedMacaroon } from '../../src/tokens/macaroon/verify-macaroon.js';
import { timeSync } from './loop.js';

/**
 * macaroon-verify: stateless verification of a derived macaroon (decode, claims, signature chain
 * under the current HMAC secret's root key, holder caveats, CIDR intersection) — no store, no HTTP.
 * `caveats` counts every first-party caveat, the claims caveat included: 1 = a freshly derived
 * token, 5 = the claims plus 4 holder caveats. Holder caveats cycle through the four kinds of the
 * language. Target (issue 7): 5 caveats ≤ 20 µs/op.
 */
export interface MacaroonVerifyRow {
  caveats: number;
  /** Wall-clock µs per verification: the median of three rounds. */
  usPerOp: number;
  ops: number;
  /** CPU µs (user + system) per verification over all rounds: steadier than wall time on a shared machine. */
  cpuUsPerOp: number;
}

const ROUNDS = 3;

const NOW = Date.parse('2026-06-01T00:00:00Z');
const HOLDER = ['scope ⊆ {read, write}', `exp < ${NOW / 1000 + 1800}`, 'tenant = "acme"', 'cidr ⊆ {10.0.0.0/8, 2001:db8::/32}'];

function benchContext(): ProjectContext {
  // Only the fields the macaroon code reads; the rest of a context is store-backed and irrelevant here.
  return {
    id: randomUUID(),
    macaroonPrefixes: ['mc'],
    clockSkewMs: 5_000,
    issuer: 'https://bench.keysmith.test',
    issuers: [{ value: 'https://bench.keysmith.test', expiresAt: null }],
    hmacSecrets: [{ id: 'current', key: randomBytes(32), expiresAt: null }],
  } as unknown as ProjectContext;
}

function tokenWith(ctx: ProjectContext, caveats: number): string {
  const iat = NOW / 1000;
  const claims: DerivedClaims = {
    tenant: 'acme',
    jti: randomUUID(),
    sub: randomUUID(),
    iss: ctx.issuer,
    iat,
    nbf: iat,
    exp: iat + 3600,
    act: 'svc-bench',
    scp: ['read', 'write', 'admin'],
    meta: { team: 'bench' },
    nid: ctx.id,
    vis: 'secret',
    acl: ['10.0.0.0/8'],
  };
  const holder = Array.from({ length: caveats - 1 }, (_, i) => HOLDER[i % HOLDER.length]);
  return attenuateMacaroon(mintMacaroon(ctx, claims), holder);
}

export async function runMacaroonVerifyBench(opts: { seconds: number }): Promise<MacaroonVerifyRow[]> {
  const ctx = benchContext();
  const rows: MacaroonVerifyRow[] = [];
  for (const caveats of [1, 5, 10]) {
    const token = tokenWith(ctx, caveats);
    const op = () => verifyDerivedMacaroon(ctx, token, NOW).valid;
    if (!op()) throw new Error(`macaroon-verify: the ${caveats}-caveat token does not verify`);
    timeSync(op, { seconds: Math.min(0.5, opts.seconds / 2), minIterations: 5_000, maxSeconds: 2 });
    const cpu = process.cpuUsage();
    const samples = Array.from({ length: ROUNDS }, () =>
      timeSync(op, { seconds: opts.seconds / ROUNDS, minIterations: 5_000, maxSeconds: opts.seconds * 2 + 1 }),
    );
    const used = process.cpuUsage(cpu);
    if (samples.some((s) => s.bad)) throw new Error('macaroon-verify: a verification failed');
    const ops = samples.reduce((n, s) => n + s.iterations, 0);
    const median = samples.map((s) => s.usPerOp).sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
    const round = (x: number) => Math.round(x * 100) / 100;
    rows.push({ caveats, usPerOp: round(median), ops, cpuUsPerOp: round((used.user + used.system) / ops) });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMacaroonVerifyBench({ seconds: Number(process.env.BENCH_SECONDS ?? 2) }).then(
    (rows) => console.log(JSON.stringify(rows, null, 2)),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

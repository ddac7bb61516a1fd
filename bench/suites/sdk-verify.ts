import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/paths.js';
import { fmt, maxOf, median, minOf } from '../lib/stats.js';
import type { Suite, SuiteResult } from './types.js';

/**
 * Issue 7's offline verification figures, from standalone modules written with the SDK and the
 * macaroon code (bench/micro/sdk-verify-jwt.ts, bench/micro/macaroon-verify.ts), run here once per
 * round. Loaded lazily: while a module is absent the suite reports "not measured" instead of failing.
 */
const JWT_PER_CORE = 10_000;
const MACAROON_US = 20;
const JWT_TARGET = `SDK local JWT verification (\`verifyJwt\`, EdDSA, JWKS cached) ≥ ${JWT_PER_CORE.toLocaleString('en-US')}/s per core`;
const MACAROON_TARGET = `Macaroon verification with 5 caveats ≤ ${MACAROON_US} µs`;

const present = (file: string) => existsSync(join(REPO_ROOT, 'bench/micro', file));
const absent = (name: string, target: string, file: string): SuiteResult => ({
  targets: [{ name: target, figure: `not measured: bench/micro/${file} is not there yet`, pass: null }],
  markdown: [`## ${name}`, '', `Not measured: \`bench/micro/${file}\` did not exist when this ran.`, ''],
});

export const sdkVerifyJwt: Suite = {
  name: 'sdk-verify-jwt',
  about:
    'in-process: the SDK `verifyJwt` of a Keysmith-shaped derived JWT (EdDSA) with the JWKS cached (bench/micro/sdk-verify-jwt.ts), verifications per CPU-second',
  async run(env) {
    const title = 'SDK local JWT verification (`sdk-verify-jwt`)';
    if (!present('sdk-verify-jwt.ts')) return absent(title, JWT_TARGET, 'sdk-verify-jwt.ts');
    const { runSdkVerifyJwtBench } = await import('../micro/sdk-verify-jwt.js');
    const runs = [];
    for (let r = 1; r <= env.rounds; r++) {
      const x = await runSdkVerifyJwtBench({ seconds: env.microSeconds });
      runs.push(x);
      env.log(`  round ${r}/${env.rounds}: ${fmt(x.verificationsPerSec, 0)}/s per core (${fmt(x.usPerOp)} CPU µs each)`);
    }
    const perSec = median(runs.map((x) => x.verificationsPerSec));
    const us = median(runs.map((x) => x.usPerOp));
    const wall = median(runs.map((x) => x.wallPerSec ?? Number.NaN));
    return {
      targets: [{ name: JWT_TARGET, figure: `${fmt(perSec, 0)}/s per core (${fmt(us)} CPU µs each)`, pass: perSec >= JWT_PER_CORE }],
      markdown: [
        `## ${title}`,
        '',
        '`bench/micro/sdk-verify-jwt.ts`: a JWT with the sealed claims of a derived token, EdDSA, its JWKS served once over loopback HTTP and cached by the SDK;',
        'every verification checked (a failure aborts the round). Per core = verifications ÷ CPU time of this process (all threads).',
        '',
        '| Case | verifications per CPU-second (median) | rounds min–max | CPU µs each | sequential wall-clock /s |',
        '|---|---:|---:|---:|---:|',
        `| verifyJwt, EdDSA, JWKS cached | ${fmt(perSec, 0)} | ${fmt(minOf(runs.map((x) => x.verificationsPerSec)), 0)}–${fmt(maxOf(runs.map((x) => x.verificationsPerSec)), 0)} | ${fmt(us)} | ${fmt(wall, 0)} |`,
        '',
      ],
    };
  },
};

export const macaroonVerify: Suite = {
  name: 'macaroon-verify',
  about:
    'in-process: stateless verification of a derived macaroon with 1, 5 and 10 caveats — decode, signature chain, holder caveats, CIDRs (bench/micro/macaroon-verify.ts)',
  async run(env) {
    const title = 'Macaroon verification (`macaroon-verify`)';
    if (!present('macaroon-verify.ts')) return absent(title, MACAROON_TARGET, 'macaroon-verify.ts');
    const { runMacaroonVerifyBench } = await import('../micro/macaroon-verify.js');
    const byCaveats = new Map<number, number[]>();
    for (let r = 1; r <= env.rounds; r++) {
      const rows = await runMacaroonVerifyBench({ seconds: env.microSeconds });
      for (const x of rows) byCaveats.set(x.caveats, [...(byCaveats.get(x.caveats) ?? []), x.usPerOp]);
      env.log(`  round ${r}/${env.rounds}: ${rows.map((x) => `${x.caveats} caveats ${fmt(x.usPerOp)} µs`).join(', ')}`);
    }
    const five = median(byCaveats.get(5) ?? []);
    return {
      targets: [
        {
          name: MACAROON_TARGET,
          figure: Number.isFinite(five) ? `${fmt(five)} µs/op` : 'not measured (no 5-caveat row)',
          pass: Number.isFinite(five) ? five <= MACAROON_US : null,
        },
      ],
      markdown: [
        `## ${title}`,
        '',
        '`bench/micro/macaroon-verify.ts`: `verifyDerivedMacaroon` of a minted token plus holder caveats appended with the SDK (caveats counts the claims caveat too);',
        'every call checked valid (a failure aborts the round). Wall-clock µs per verification, one at a time.',
        '',
        '| Caveats | µs/op (median) | rounds min–max |',
        '|---:|---:|---:|',
        ...[...byCaveats].map(([c, v]) => `| ${c} | ${fmt(median(v))} | ${fmt(minOf(v))}–${fmt(maxOf(v))} |`),
        '',
      ],
    };
  },
};

/**
 * Runs one micro case in its own process, for profiling:
 *   node --import tsx --cpu-prof --cpu-prof-dir <dir> bench/micro/child.ts <prove-only|verify-issued|token-auth> <backend> <seconds>
 * (token-auth runs its whole-guard case, on SQLite whatever <backend> says.)
 * Prints the sample as one JSON line.
 */
import type { Backend } from '../../test/helpers/databases.js';
import { setupProveOnly } from './prove-only.js';
import { setupTokenAuth, TOKEN_AUTH } from './token-auth.js';
import type { MicroCase } from './types.js';
import { setupVerifyIssued } from './verify-issued.js';

const [scenario, backend, seconds] = process.argv.slice(2);
const s = Number(seconds ?? 3);
let c: MicroCase;
let others: MicroCase[] = [];
if (scenario === 'prove-only') c = (await setupProveOnly())[0];
else if (scenario === 'token-auth') {
  const all = await setupTokenAuth();
  c = all.find((x) => x.label === TOKEN_AUTH.guard) ?? all[0];
  others = all.filter((x) => x !== c);
} else c = await setupVerifyIssued((backend ?? 'sqlite') as Backend);
await c.warmup();
const fromUs = Number(process.hrtime.bigint() / 1000n);
const sample = await c.sequential({ seconds: s, minIterations: 0, maxSeconds: s * 2 });
const toUs = Number(process.hrtime.bigint() / 1000n);
await c.close();
for (const o of others) await o.close();
// the window lets the profile summary leave set-up and warm-up out
process.stdout.write(`${JSON.stringify({ ...sample, window: { fromUs, toUs } })}\n`);
process.exit(0);

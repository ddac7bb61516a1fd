// Tracing overhead on the verify hot path (issue 6): `taskset -c 1 npx tsx bench/micro/tracing-overhead.ts`.
// Cache-hit pipeline.verify on SQLite, CPU µs per op, 7 interleaved rounds (median) of:
//   off — the pipeline as the app builds it with tracing disabled (no wrapper is installed at all);
//   sdk — the SDK started (process-wide AsyncLocalStorage context manager), pipeline not wrapped;
//   on  — the pipeline wrapped by tracePipeline with the live SDK (batch processor, OTLP exporter to a
//         closed port: spans are built, queued and dropped, the export fails fast).
// Results and reading: docs/architecture.md (Observability).
import { KeyCache } from '../../src/cache/key-cache.js';
import { tracePipeline } from '../../src/observability/traced-pipeline.js';
import { Tracing } from '../../src/observability/tracing.js';
import { systemClock } from '../../src/shared/clock.js';
import { VerifyPipeline } from '../../src/verify/pipeline.js';
import { benchDatabase, buildIssuedFixture } from '../lib/keysmith.js';
import { timeAsync } from './loop.js';

const db = await benchDatabase('sqlite');
const fx = await buildIssuedFixture(db.db.dsn, db.dir);
const ctx = { ...fx.ctx, settings: { ...fx.ctx.settings, cache: { ...fx.ctx.settings.cache, enabled: true } }, cacheTtlMs: 3_600_000 };
const policy = () => ({ cache: { cache: new KeyCache(1000, systemClock), usable: () => true, ttlCapMs: null } });
const op = (p: VerifyPipeline) => async () => {
  const o = await p.verify(ctx, fx.keys, fx.credential, '127.0.0.1');
  return o.valid && o.cache === 'HIT';
};
/** CPU µs per op (user + system of this process): steadier than wall time on a shared, loaded machine. */
const once = async (name: string, p: VerifyPipeline) => {
  await p.verify(ctx, fx.keys, fx.credential, '127.0.0.1'); // fill the cache
  const cpu = process.cpuUsage();
  const s = await timeAsync(op(p), { seconds: 0.5, minIterations: 20_000, maxSeconds: 3 });
  const used = process.cpuUsage(cpu);
  if (s.bad) throw new Error(`${name}: ${s.bad} verifications were not a valid cache hit`);
  return (used.user + used.system) / s.iterations;
};
// Interleaved rounds (this machine is shared and noisy). Starting the SDK enables an AsyncLocalStorage
// context manager for the whole process, which every promise then pays for; shutdown() disables it,
// so each round measures "off" truly off, then "SDK started, pipeline unwrapped", then "on".
const rounds = { off: [] as number[], sdk: [] as number[], on: [] as number[] };
const off = new VerifyPipeline(systemClock, policy());
for (let r = 0; r < 7; r++) {
  rounds.off.push(await once('off', off));
  const tracing = await Tracing.start({ enabled: true, otlp_endpoint: 'http://127.0.0.1:9/v1/traces', service_name: 'bench' });
  rounds.sdk.push(await once('sdk', new VerifyPipeline(systemClock, policy())));
  const on = new VerifyPipeline(systemClock, policy());
  tracePipeline(on, tracing);
  rounds.on.push(await once('on', on));
  await tracing.shutdown();
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const m = { off: median(rounds.off), sdk: median(rounds.sdk), on: median(rounds.on) };
console.log(`verify, cache hit, tracing off: ${m.off.toFixed(2)} CPU µs/op (no wrapper installed: the untraced code path)`);
console.log(`verify, cache hit, SDK started, pipeline unwrapped: ${m.sdk.toFixed(2)} CPU µs/op (the process-wide context manager)`);
console.log(`verify, cache hit, tracing on: ${m.on.toFixed(2)} CPU µs/op (+${(m.on - m.off).toFixed(2)} µs: one span, its attributes, the batch queue)`);
await fx.app.close();
await db.cleanup();

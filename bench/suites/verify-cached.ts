import { benchDatabase, buildIssuedFixture, enableVerifyCache } from '../lib/keysmith.js';
import { fmt, maxOf, median, minOf } from '../lib/stats.js';
import { type Sample, timeAsync } from '../micro/loop.js';
import { profileInProcess } from './inspector-profile.js';
import type { Suite } from './types.js';

/** Issue 6: in-process verify served from the cache ≤ 5 µs/op. */
const TARGET_US = 5;
const MIN_ITERATIONS = 100_000;
const TARGET_NAME = `In-process verify of an issued key, cache hit (\`pipeline.verify\`, SQLite fixture) ≤ ${TARGET_US} µs/op`;

/**
 * verify-cached: `pipeline.verify` of a valid issued key with the project's cache on, every call a hit.
 * The pipeline is composed as src/app.ts composes it (KeyCache of `cache.max_entries`, proof memo,
 * last-used recorder, in-process rate-limit step; the bus is always usable here) — KeysmithApp does not
 * expose its own pipeline. The key has no rate-limit policy, as in the HTTP scenarios.
 */
async function setup(): Promise<{ op: () => Promise<boolean>; close(): Promise<void> }> {
  const db = await benchDatabase('sqlite');
  const fx = await buildIssuedFixture(db.db.dsn, db.dir).catch(async (e) => {
    await db.cleanup();
    throw e;
  });
  const close = async () => {
    await fx.app.close();
    await db.cleanup();
  };
  try {
    await enableVerifyCache(fx.app);
    const { app, keys, credential } = fx;
    const ctx = await app.projects.context(app.bootstrap.projectId);
    // The app's own pipeline, as src/app.ts wires it (cache, negative filter, proof memo, rate limits, last-used).
    const pipeline = app.pipeline;
    const first = await pipeline.verify(ctx, keys, credential, '127.0.0.1');
    if (!first.valid || first.cache !== 'MISS') throw new Error(`set-up: the first verify was not a valid MISS (${first.error ?? first.cache})`);
    const op = async () => {
      const o = await pipeline.verify(ctx, keys, credential, '127.0.0.1');
      return o.valid && o.cache === 'HIT';
    };
    if (!(await op())) throw new Error('set-up: the second verify was not a valid cache HIT');
    await timeAsync(op, { seconds: 0.5, minIterations: 20_000, maxSeconds: 2 }); // warm-up
    return { op, close };
  } catch (e) {
    await close();
    throw e;
  }
}

export const verifyCached: Suite = {
  name: 'verify-cached',
  about:
    'in-process: pipeline.verify(ctx, keyStore, credential) of a valid issued key with the project cache on — every call a cache HIT (route, proof memo, cache get, status/expiry/IP/rate-limit steps)',
  async run(env) {
    const samples: Sample[] = [];
    const { op, close } = await setup();
    try {
      for (let r = 1; r <= env.rounds; r++) {
        const s = await timeAsync(op, { seconds: env.microSeconds, minIterations: MIN_ITERATIONS, maxSeconds: env.microSeconds * 4 });
        samples.push(s);
        env.log(`  round ${r}/${env.rounds}: ${fmt(s.usPerOp, 3)} µs/op (${s.iterations} ops${s.bad ? `, ${s.bad} BAD` : ''})`);
      }
    } finally {
      await close();
    }
    const v = samples.map((s) => s.usPerOp);
    const us = median(v);
    const bad = samples.reduce((n, s) => n + s.bad, 0);
    return {
      targets: [
        {
          name: TARGET_NAME,
          figure: `${fmt(us, 3)} µs/op${bad ? `; **${bad} calls were not a valid HIT**` : ''}`,
          pass: us <= TARGET_US && bad === 0,
          profile: async () => {
            const c = await setup();
            try {
              return await profileInProcess(env, 'verify-cached', async () => {
                await timeAsync(c.op, { seconds: Math.max(2, env.microSeconds), minIterations: 0, maxSeconds: 10 });
              });
            } finally {
              await c.close();
            }
          },
          profileWhat: 'verify-cached in process (node:inspector profile of the bench process)',
        },
      ],
      markdown: [
        '## In-process verify, cache hit (`verify-cached`)',
        '',
        "`pipeline.verify` on a SQLite fixture with the default project's `cache.enabled` on, the pipeline composed as `src/app.ts` does",
        '(KeyCache, proof memo, last-used recorder, in-process rate-limit step). One issued key, verified once first (MISS), then every call must be',
        `a valid HIT. Timing as in the micro section (batches of 500, ≥ ${MIN_ITERATIONS.toLocaleString('en-US')} calls and ≥ ${env.microSeconds} s per round).`,
        '',
        '| Case | µs/op (median) | rounds min–max | ops/round | bad |',
        '|---|---:|---:|---:|---:|',
        `| verify, cache HIT | ${fmt(us, 3)} | ${fmt(minOf(v), 3)}–${fmt(maxOf(v), 3)} | ${fmt(median(samples.map((s) => s.iterations)), 0)} | ${bad} |`,
        '',
      ],
    };
  },
};

import type { Backend } from '../../test/helpers/databases.js';
import { VerifyPipeline } from '../../src/verify/pipeline.js';
import { BACKEND_LABEL, benchDatabase, buildIssuedFixture } from '../lib/keysmith.js';
import { timeAsync, timeConcurrent } from './loop.js';
import { IN_FLIGHT, type MicroCase } from './types.js';

/** Minimum iterations per round: SQLite is µs-scale; a loopback round trip is ~100× slower. */
export const MIN_ITERATIONS: Record<Backend, number> = { sqlite: 20_000, postgres: 2_000, mysql: 2_000 };

/**
 * verify-issued: the whole uncached pipeline for one valid issued key —
 * `pipeline.verify(ctx, keyStore, credential)` = classify + prove (checksum) + store lookup + status/expiry.
 */
export async function setupVerifyIssued(backend: Backend): Promise<MicroCase> {
  const db = await benchDatabase(backend);
  const fx = await buildIssuedFixture(db.db.dsn, db.dir);
  const pipeline = new VerifyPipeline(fx.app.clock);
  const op = async () => (await pipeline.verify(fx.ctx, fx.keys, fx.credential, '127.0.0.1')).valid;
  const first = await pipeline.verify(fx.ctx, fx.keys, fx.credential, '127.0.0.1');
  if (!first.valid) throw new Error(`verify-issued on ${backend}: the issued key does not verify (${first.error})`);
  return {
    scenario: 'verify-issued',
    backend,
    label: BACKEND_LABEL[backend],
    async warmup() {
      await timeAsync(op, { seconds: 0.5, minIterations: Math.min(MIN_ITERATIONS[backend], 5_000), maxSeconds: 3 });
      await timeConcurrent(op, IN_FLIGHT, 0.3);
    },
    async sequential(budget) {
      return timeAsync(op, { ...budget, minIterations: Math.max(budget.minIterations, MIN_ITERATIONS[backend]) });
    },
    async concurrent(seconds) {
      return timeConcurrent(op, IN_FLIGHT, seconds);
    },
    async close() {
      await fx.app.close();
      await db.cleanup();
    },
  };
}

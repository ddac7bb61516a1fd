import { routeCredential } from '../../src/keys/key-format.js';
import { proveIssuedKey } from '../../src/verify/prove-issued.js';
import { benchDatabase, buildIssuedFixture } from '../lib/keysmith.js';
import { timeSync } from './loop.js';
import type { MicroCase } from './types.js';

/**
 * prove-only: the store-free part of verifying an issued key — classify the credential, parse it,
 * check prefix, checksum (HMAC) and timestamp bounds. The reference floor for verify-issued.
 */
export async function setupProveOnly(): Promise<MicroCase[]> {
  const db = await benchDatabase('sqlite');
  const fx = await buildIssuedFixture(db.db.dsn, db.dir);
  const { ctx, credential, app } = fx;
  const op = () => {
    const r = routeCredential(credential, ctx.macaroonPrefixes);
    return r.issued !== undefined && proveIssuedKey(ctx, r.issued, app.clock.now()) !== null;
  };
  if (!op()) throw new Error('prove-only: the issued credential does not prove');
  return [
    {
      scenario: 'prove-only',
      backend: null,
      label: 'parse + checksum (no store)',
      async warmup() {
        timeSync(op, { seconds: 0.5, minIterations: 20_000, maxSeconds: 2 });
      },
      async sequential(budget) {
        return timeSync(op, { ...budget, minIterations: Math.max(budget.minIterations, 100_000) });
      },
      async close() {
        await app.close();
        await db.cleanup();
      },
    },
  ];
}

import type { FastifyRequest } from 'fastify';
import { requireTenant } from '../../src/http/tenant.js';
import { BENCH_ADMIN_TOKEN, benchDatabase, buildIssuedFixture } from '../lib/keysmith.js';
import { timeAsync } from './loop.js';
import type { MicroCase } from './types.js';

/** Labels of the three token-auth cases (the report finds its rows by them). */
export const TOKEN_AUTH = {
  authenticate: 'tokens.authenticate (cache hit)',
  guard: 'requireTenant guard (whole)',
  reference: 'reference: projects.context only',
} as const;

/** Minimum iterations per round: every case is in-memory (sub-µs to a few µs per call). */
export const TOKEN_AUTH_MIN_ITERATIONS = 100_000;

/** The permission the guard is built with: the one `POST /v2alpha1/admin/apiKeys:verify` requires. */
export const TOKEN_AUTH_PERMISSION = 'verify' as const;

/**
 * token-auth: what project-API-token authentication adds to an admin request, in process, on a warm
 * node (SQLite fixture; the token and the project context are served from their per-node caches):
 *   - `app.tokens.authenticate('Bearer <admin token>')` (parse header, SHA-256, LRU hit, expiry check);
 *   - the whole admin guard `requireTenant(deps, 'verify')` on a minimal request `{ headers: { authorization } }`
 *     (authenticate + permission check + project context lookup + key store handle);
 *   - the reference: the same loop doing only `app.projects.context(projectId)`, so guard − reference is
 *     what token authentication adds on top of the context lookup every admin route needs anyway.
 * Every call's result is checked (a throw counts as bad, it does not abort the round).
 */
export async function setupTokenAuth(): Promise<MicroCase[]> {
  const db = await benchDatabase('sqlite');
  const fx = await buildIssuedFixture(db.db.dsn, db.dir);
  const { app } = fx;
  const projectId = app.bootstrap.projectId;
  const authorization = `Bearer ${BENCH_ADMIN_TOKEN}`;
  const guard = requireTenant({ tokens: app.tokens, projects: app.projects, store: app.store }, TOKEN_AUTH_PERMISSION);

  // First calls: fill both caches and learn the admin token's id (checked on every iteration below).
  const first = await app.tokens.authenticate(authorization);
  if (first.projectId !== projectId) throw new Error('token-auth: the admin token does not authenticate to the default project');
  const tokenId = first.tokenId;

  const authenticate = async () => {
    try {
      const p = await app.tokens.authenticate(authorization);
      return p.tokenId === tokenId && p.projectId === projectId;
    } catch {
      return false;
    }
  };
  const guarded = async () => {
    // A fresh request object per call, as Fastify gives the guard (the guard writes request.tenant).
    const request = { headers: { authorization } } as unknown as FastifyRequest;
    try {
      await guard(request);
      const t = request.tenant;
      return t !== undefined && t.principal.tokenId === tokenId && t.ctx.id === projectId && t.keys !== undefined;
    } catch {
      return false;
    }
  };
  const reference = async () => {
    try {
      return (await app.projects.context(projectId)).id === projectId;
    } catch {
      return false;
    }
  };
  for (const [name, op] of [
    ['authenticate', authenticate],
    ['guard', guarded],
    ['reference', reference],
  ] as const)
    if (!(await op())) throw new Error(`token-auth: the ${name} case does not succeed`);

  let open = 3;
  const closeOnce = async () => {
    // The three cases share one app and database: the last close tears them down.
    if (--open > 0) return;
    await app.close();
    await db.cleanup();
  };
  const makeCase = (label: string, op: () => Promise<boolean>): MicroCase => ({
    scenario: 'token-auth',
    backend: null,
    label,
    async warmup() {
      await timeAsync(op, { seconds: 0.5, minIterations: 20_000, maxSeconds: 2 });
    },
    async sequential(budget) {
      return timeAsync(op, { ...budget, minIterations: Math.max(budget.minIterations, TOKEN_AUTH_MIN_ITERATIONS) });
    },
    close: closeOnce,
  });
  return [makeCase(TOKEN_AUTH.authenticate, authenticate), makeCase(TOKEN_AUTH.guard, guarded), makeCase(TOKEN_AUTH.reference, reference)];
}

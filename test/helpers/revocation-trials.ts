import assert from 'node:assert/strict';
import type { ServerProcess } from './server-process.js';

/**
 * The SPEC §5 revocation-bound experiment on two running nodes, shared by the e2e test
 * (test/e2e/revocation-bound.test.ts asserts on it) and the benchmark (bench/suites/revocation-propagation.ts
 * reports it): the default project's verify cache is turned on through the operator config API; both
 * nodes are kept under verify load; then, per trial, a fresh key is issued on A, verified twice on B (the
 * second time from B's cache), revoked on A, and B is polled every 5 ms until it answers REVOKED.
 * Latency = revoke answered → first REVOKED answer from B. A broken step throws (assert).
 */
export interface RevocationTrials {
  /** ms per trial, in trial order. */
  latencies: number[];
  /** Trials whose pre-revoke verify on B was a cache HIT. */
  hits: number;
  /** Background-load and polling answers that were not a 200 (or, for the load, not is_valid:true). */
  bad: number;
  /** Verify requests the background load completed. */
  loadRequests: number;
}

export interface RevocationOptions {
  adminToken: string;
  operatorToken: string;
  trials: number;
  /** Concurrent verify loops per node during the trials (0 = no load). */
  loadPerNode?: number;
  /** Give up on a trial after this long (the bound is 1 s; this only stops a hung run). */
  giveUpMs?: number;
}

interface Answer {
  status: number;
  cache: string | null;
  body: any;
}

const call = async (node: ServerProcess, token: string, method: string, path: string, body?: unknown): Promise<Answer> => {
  const r = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: any = r.status === 204 ? {} : await r.json();
  return { status: r.status, cache: r.headers.get('ory-talos-cache'), body: json };
};

export async function runRevocationTrials(a: ServerProcess, b: ServerProcess, opts: RevocationOptions): Promise<RevocationTrials> {
  const admin = (node: ServerProcess, method: string, path: string, body?: unknown) => call(node, opts.adminToken, method, path, body);
  const verify = (node: ServerProcess, credential: string) => admin(node, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential });
  const projects = await call(a, opts.operatorToken, 'GET', '/operator/v1/projects');
  const project = projects.body.projects[0].id;
  const config = await call(a, opts.operatorToken, 'PATCH', `/operator/v1/projects/${project}/config`, { cache: { enabled: true, ttl: '5m' } });
  assert.equal(config.status, 200, JSON.stringify(config.body));
  // Both nodes load the project context (cache setting) — the context cache on node B may be up to 30 s old.
  await new Promise((r) => setTimeout(r, 100));

  // Background verify load on both nodes for the whole run.
  const loadKey = (await admin(a, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'load' })).body.secret as string;
  let stop = false;
  let bad = 0;
  let loadRequests = 0;
  const loops = [a, b].flatMap((n) =>
    Array.from({ length: opts.loadPerNode ?? 4 }, async () => {
      while (!stop) {
        const v = await verify(n, loadKey);
        loadRequests++;
        if (v.status !== 200 || v.body.is_valid !== true) bad++;
      }
    }),
  );

  const latencies: number[] = [];
  let hits = 0;
  try {
    for (let i = 0; i < opts.trials; i++) {
      const issued = await admin(a, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: `t${i}` });
      assert.equal(issued.status, 201);
      const { secret, issued_api_key } = issued.body;
      await verify(b, secret);
      const cached = await verify(b, secret);
      assert.equal(cached.body.is_valid, true);
      if (cached.cache === 'HIT') hits++;
      const revoked = await admin(a, 'POST', `/v2alpha1/admin/issuedApiKeys/${issued_api_key.key_id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' });
      assert.equal(revoked.status, 204);
      const t0 = performance.now();
      for (;;) {
        const v = await verify(b, secret);
        if (v.status !== 200) bad++;
        if (v.body.error_code === 'VERIFICATION_ERROR_REVOKED') break;
        assert.ok(performance.now() - t0 < (opts.giveUpMs ?? 5000), 'node B never saw the revocation');
        await new Promise((r) => setTimeout(r, 5));
      }
      latencies.push(performance.now() - t0);
    }
  } finally {
    stop = true;
    await Promise.allSettled(loops);
  }
  return { latencies, hits, bad, loadRequests };
}

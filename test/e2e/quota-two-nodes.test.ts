import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerProcess } from '../helpers/server-process.js';
import { postgresSkip, twoNodesOnPostgres } from '../helpers/two-nodes.js';

/**
 * The active-key quota holds across nodes (SPEC §4, docs/operator-api.md "Exactness"): two real server
 * processes share one fresh PostgreSQL database; 50 concurrent issue requests split between them against
 * a project with 10 free slots create exactly 10 keys. Locally an unreachable PostgreSQL skips this
 * test with a message; under CI=true it is a failure.
 */
const OPERATOR_TOKEN = 'ks_op_two_nodes_operator_token_0123456789abcdef';
const MASTER_KEY = 'cd'.repeat(32);
const PLANS = JSON.stringify({
  tiny: { max_active_keys: 10, caching: false, rate_limiting: false },
  custom: { max_active_keys: null, caching: true, rate_limiting: true },
});

const skip = await postgresSkip();
const nodes = twoNodesOnPostgres(
  'two-nodes',
  { KEYSMITH_SECRETS_MASTER_KEY: MASTER_KEY, KEYSMITH_OPERATOR_TOKEN: OPERATOR_TOKEN, KEYSMITH_PLANS: PLANS, KEYSMITH_PROJECTS_DEFAULT_PLAN: 'custom' },
  skip,
);

async function call(node: ServerProcess, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
}

test('two nodes, one PostgreSQL: 50 concurrent issues against 10 free slots create exactly 10 keys', { skip }, async () => {
  assert.equal(nodes.length, 2, 'both nodes started');
  const [n1, n2] = nodes;
  const created = await call(n1, OPERATOR_TOKEN, 'POST', '/operator/v1/projects', { slug: 'two-nodes', plan: 'tiny', enable_api_keys: true });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  // The project is visible on the other node at once (shared database).
  const seen = await call(n2, OPERATOR_TOKEN, 'GET', '/operator/v1/projects/two-nodes');
  assert.equal(seen.status, 200);
  assert.deepEqual(seen.body.usage, { active_keys: 0, max_active_keys: 10 });
  const tok = await call(n2, OPERATOR_TOKEN, 'POST', '/operator/v1/projects/two-nodes/tokens', { name: 'load', permissions: ['admin'] });
  assert.equal(tok.status, 201);
  const token: string = tok.body.secret;

  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => call(i % 2 ? n2 : n1, token, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: `k${i}` })),
  );
  const statuses = results.map((r) => r.status);
  const unexpected = results.filter((r) => r.status !== 201 && r.status !== 402);
  assert.deepEqual(unexpected, [], 'only 201 or 402');
  assert.equal(statuses.filter((s) => s === 201).length, 10, `201s: ${JSON.stringify(statuses)}`);
  assert.equal(statuses.filter((s) => s === 402).length, 40);
  for (const r of results.filter((x) => x.status === 402)) {
    assert.equal(r.body.error.details[0].reason, 'API_KEY_QUOTA_EXCEEDED');
    assert.equal(r.body.error.details[0].metadata.limit, '10');
  }

  for (const n of [n1, n2]) {
    const p = await call(n, OPERATOR_TOKEN, 'GET', '/operator/v1/projects/two-nodes');
    assert.deepEqual(p.body.usage, { active_keys: 10, max_active_keys: 10 });
    const list = await call(n, token, 'GET', '/v2alpha1/admin/issuedApiKeys?page_size=1000');
    assert.equal(list.status, 200);
    assert.equal(list.body.issued_api_keys.length, 10);
    assert.deepEqual(
      new Set(list.body.issued_api_keys.map((k: { key_id: string }) => k.key_id)),
      new Set(results.filter((r) => r.status === 201).map((r) => r.body.issued_api_key.key_id)),
    );
  }
  // Every created key verifies on either node.
  for (const [i, r] of results.entries()) {
    if (r.status !== 201) continue;
    const v = await call(i % 2 ? n1 : n2, token, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential: r.body.secret });
    assert.equal(v.body.is_valid, true);
  }
  // A revoke on one node frees a slot for an issue on the other.
  const victim = results.find((r) => r.status === 201)!.body.issued_api_key.key_id;
  assert.equal((await call(n1, token, 'POST', `/v2alpha1/admin/issuedApiKeys/${victim}:revoke`, { reason: 'REVOCATION_REASON_SUPERSEDED' })).status, 204);
  const again = await Promise.all([n1, n2, n1, n2].map((n) => call(n, token, 'POST', '/v2alpha1/admin/issuedApiKeys', {})));
  assert.deepEqual(again.map((r) => r.status).sort(), [201, 402, 402, 402]);
  assert.equal(
    nodes.every((n) => n.child.exitCode === null),
    true,
    'both nodes still running',
  );
});

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ApiKeysApi, Configuration, ResponseError } from '@ory/client-fetch';
import type { LightMyRequestResponse } from 'fastify';
import { FrozenClock } from '../../src/shared/clock.js';
import { createProject, expectError, type OperatorProject } from '../helpers/operator.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Plans and quotas (SPEC §4, docs/operator-api.md "Plans and quotas"): max active (non-revoked) keys per
// project, 402 API_KEY_QUOTA_EXCEEDED with limit/current_usage, exact under concurrency on every backend.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const P = '/operator/v1/projects';
const ISSUE = '/v2alpha1/admin/issuedApiKeys';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const REVOKE_BODY = { reason: 'REVOCATION_REASON_AFFILIATION_CHANGED' };

const PLANS_ENV = {
  KEYSMITH_PLANS: JSON.stringify({
    tiny: { max_active_keys: 10, caching: false, rate_limiting: false },
    small: { max_active_keys: 20, caching: true, rate_limiting: true },
    custom: { max_active_keys: null, caching: true, rate_limiting: true },
  }),
  KEYSMITH_PROJECTS_DEFAULT_PLAN: 'custom',
};

function expectQuota(res: LightMyRequestResponse, limit: number, current: number, ctx = ''): void {
  const e = expectError(res, 402, 'API_KEY_QUOTA_EXCEEDED', ctx);
  assert.equal(e.status, 'RESOURCE_EXHAUSTED');
  assert.deepEqual(e.details[0].metadata, { limit: String(limit), current_usage: String(current) }, `${ctx}: metadata`);
}

async function usage(t: TestApp, project: string): Promise<{ active_keys: number; max_active_keys: number | null }> {
  const res = await t.op('GET', `${P}/${project}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().usage;
}

async function listIds(t: TestApp, token: string, filter = ''): Promise<string[]> {
  const res = await t.as(token, 'GET', `${ISSUE}?page_size=1000${filter ? `&filter=${encodeURIComponent(filter)}` : ''}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().issued_api_keys.map((k: { key_id: string }) => k.key_id);
}

async function fill(t: TestApp, token: string, n: number, body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }[]> {
  const out: { id: string; secret: string }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await t.as(token, 'POST', ISSUE, { name: `k${i}`, ...body });
    assert.equal(res.statusCode, 201, res.body);
    out.push({ id: res.json().issued_api_key.key_id, secret: res.json().secret });
  }
  return out;
}

describe('quota: sequential behaviour', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  let q: OperatorProject;
  before(async () => {
    t = await createTestApp({ clock, env: PLANS_ENV });
    q = await createProject(t, 'quota', { plan: 'tiny' });
  });
  after(() => t.close());

  test('the plan of a project sets max_active_keys; the default plan is projects.default_plan', async () => {
    assert.deepEqual(await usage(t, 'quota'), { active_keys: 0, max_active_keys: 10 });
    assert.deepEqual(await usage(t, 'default'), { active_keys: 0, max_active_keys: null });
    const bare = await t.op('POST', P, { slug: 'bare' });
    assert.equal(bare.json().plan, 'custom');
    // KEYSMITH_PLANS replaces the catalogue: the built-in "free" is gone.
    expectError(await t.op('POST', P, { slug: 'freeloader', plan: 'free' }), 400, 'INVALID_ARGUMENT');
  });

  test('issuing past the quota → 402 with limit and current_usage as strings; revoking frees a slot', async () => {
    const keys = await fill(t, q.token, 10);
    assert.deepEqual(await usage(t, 'quota'), { active_keys: 10, max_active_keys: 10 });
    expectQuota(await t.as(q.token, 'POST', ISSUE, { name: 'one too many' }), 10, 10, '11th');
    expectQuota(await t.as(q.token, 'POST', ISSUE, { name: 'again', request_id: 'fresh-req' }), 10, 10, 'new request_id');
    assert.equal((await listIds(t, q.token)).length, 10, 'the refused issues created nothing');

    assert.equal((await t.as(q.token, 'POST', `${ISSUE}/${keys[0].id}:revoke`, REVOKE_BODY)).statusCode, 204);
    assert.deepEqual(await usage(t, 'quota'), { active_keys: 9, max_active_keys: 10 });
    const again = await t.as(q.token, 'POST', ISSUE, { name: 'in the freed slot' });
    assert.equal(again.statusCode, 201, again.body);
    expectQuota(await t.as(q.token, 'POST', ISSUE, {}), 10, 10, 'full again');
    // A failed revoke (already revoked) does not free a second slot.
    assert.equal((await t.as(q.token, 'POST', `/v2alpha1/admin/apiKeys/${keys[0].id}:revoke`, REVOKE_BODY)).statusCode, 409);
    expectQuota(await t.as(q.token, 'POST', ISSUE, {}), 10, 10, 'double revoke frees nothing');
    assert.equal((await listIds(t, q.token, 'status=KEY_STATUS_ACTIVE')).length, 10);
  });

  test('rotation works at the limit (net zero) and leaves usage unchanged', async () => {
    assert.equal((await usage(t, 'quota')).active_keys, 10);
    const [victim] = await listIds(t, q.token, 'status=KEY_STATUS_ACTIVE');
    const rot = await t.as(q.token, 'POST', `${ISSUE}/${victim}:rotate`, {});
    assert.equal(rot.statusCode, 201, rot.body);
    assert.equal((await t.as(q.token, 'POST', VERIFY, { credential: rot.json().secret })).json().is_valid, true);
    assert.equal((await usage(t, 'quota')).active_keys, 10);
    expectQuota(await t.as(q.token, 'POST', ISSUE, {}), 10, 10, 'after rotation');
  });

  test('a replayed request_id at the limit returns the original key (201, no secret), not 402', async () => {
    const p = await createProject(t, 'idem', { plan: 'tiny' });
    const first = await t.as(p.token, 'POST', ISSUE, { name: 'original', request_id: 'req-at-limit' });
    assert.equal(first.statusCode, 201);
    await fill(t, p.token, 9);
    const replay = await t.as(p.token, 'POST', ISSUE, { name: 'replay', request_id: 'req-at-limit' });
    assert.equal(replay.statusCode, 201, replay.body);
    assert.equal(replay.json().issued_api_key.key_id, first.json().issued_api_key.key_id);
    assert.equal(replay.json().secret, undefined);
    assert.equal((await usage(t, 'idem')).active_keys, 10);
  });

  test('expired keys count until revoked', async () => {
    const p = await createProject(t, 'expiring', { plan: 'tiny' });
    const keys = await fill(t, p.token, 10, { ttl: '1m' });
    clock.advance(120_000);
    assert.equal((await t.as(p.token, 'POST', VERIFY, { credential: keys[0].secret })).json().error_code, 'VERIFICATION_ERROR_EXPIRED');
    assert.equal((await usage(t, 'expiring')).active_keys, 10);
    expectQuota(await t.as(p.token, 'POST', ISSUE, {}), 10, 10, 'expired keys still count');
    assert.equal((await t.as(p.token, 'POST', `${ISSUE}/${keys[3].id}:revoke`, REVOKE_BODY)).statusCode, 204);
    assert.equal((await t.as(p.token, 'POST', ISSUE, {})).statusCode, 201, 'revoking an expired key frees its slot');
  });

  test('downgrading below the current usage is allowed: existing keys keep working, new ones are refused', async () => {
    const p = await createProject(t, 'downgrade', { plan: 'small' });
    const keys = await fill(t, p.token, 12);
    const res = await t.op('PATCH', `${P}/downgrade`, { plan: 'tiny' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().usage, { active_keys: 12, max_active_keys: 10 });
    for (const k of keys.slice(0, 3)) assert.equal((await t.as(p.token, 'POST', VERIFY, { credential: k.secret })).json().is_valid, true);
    expectQuota(await t.as(p.token, 'POST', ISSUE, {}), 10, 12, 'over the new limit');
    for (const k of keys.slice(0, 2)) assert.equal((await t.as(p.token, 'POST', `${ISSUE}/${k.id}:revoke`, REVOKE_BODY)).statusCode, 204);
    expectQuota(await t.as(p.token, 'POST', ISSUE, {}), 10, 10, 'at the new limit');
    assert.equal((await t.as(p.token, 'POST', `${ISSUE}/${keys[2].id}:revoke`, REVOKE_BODY)).statusCode, 204);
    assert.equal((await t.as(p.token, 'POST', ISSUE, {})).statusCode, 201, 'below the limit again');
    // Upgrading takes effect at once.
    assert.equal((await t.op('PATCH', `${P}/downgrade`, { plan: 'custom' })).statusCode, 200);
    assert.equal((await t.as(p.token, 'POST', ISSUE, {})).statusCode, 201);
    assert.deepEqual(await usage(t, 'downgrade'), { active_keys: 11, max_active_keys: null });
  });

  test('the quota of one project is not shared with another', async () => {
    const other = await createProject(t, 'neighbour', { plan: 'tiny' });
    assert.equal((await t.as(other.token, 'POST', ISSUE, {})).statusCode, 201);
    assert.equal((await usage(t, 'neighbour')).active_keys, 1);
    expectQuota(await t.as(q.token, 'POST', ISSUE, {}), 10, 10, 'quota project still full');
  });
});

describe('quota: exact under concurrency', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: PLANS_ENV });
  });
  after(() => t.close());

  test('50 concurrent issues against 10 free slots → exactly 10 × 201 and 40 × 402', async () => {
    const p = await createProject(t, 'burst', { plan: 'tiny' });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => t.as(p.token, 'POST', ISSUE, { name: `burst-${i}` })));
    const statuses = results.map((r) => r.statusCode);
    const other = statuses.filter((s) => s !== 201 && s !== 402);
    assert.deepEqual(
      other,
      [],
      `only 201 or 402: ${JSON.stringify(results.filter((r) => r.statusCode !== 201 && r.statusCode !== 402).map((r) => r.body.slice(0, 200)))}`,
    );
    assert.equal(statuses.filter((s) => s === 201).length, 10);
    assert.equal(statuses.filter((s) => s === 402).length, 40);
    for (const r of results.filter((x) => x.statusCode === 402)) {
      const e = expectError(r, 402, 'API_KEY_QUOTA_EXCEEDED');
      assert.equal(e.details[0].metadata.limit, '10');
    }
    assert.deepEqual(await usage(t, 'burst'), { active_keys: 10, max_active_keys: 10 });
    const ids = await listIds(t, p.token);
    assert.equal(ids.length, 10);
    assert.deepEqual(new Set(ids), new Set(results.filter((r) => r.statusCode === 201).map((r) => r.json().issued_api_key.key_id)));
  });

  test('with some slots used and concurrent revokes: the counter stays equal to the active keys', async () => {
    const p = await createProject(t, 'churn', { plan: 'tiny' });
    const keys = await fill(t, p.token, 6);
    const ops = [
      ...keys.slice(0, 3).map((k) => t.as(p.token, 'POST', `${ISSUE}/${k.id}:revoke`, REVOKE_BODY)),
      ...Array.from({ length: 30 }, () => t.as(p.token, 'POST', ISSUE, {})),
    ];
    const results = await Promise.all(ops);
    assert.ok(
      results.every((r) => [201, 204, 402].includes(r.statusCode)),
      JSON.stringify(results.map((r) => r.statusCode)),
    );
    const active = await listIds(t, p.token, 'status=KEY_STATUS_ACTIVE');
    const u = await usage(t, 'churn');
    assert.equal(u.active_keys, active.length, 'counter = active keys');
    assert.ok(active.length <= 10, `never above the limit: ${active.length}`);
    const created = results.filter((r) => r.statusCode === 201).length;
    assert.ok(created >= 4 && created <= 7, `4 free slots plus up to 3 freed by revokes: ${created}`);
    assert.equal(active.length, 6 - 3 + created);
  });
});

describe('quota through the Ory SDK', () => {
  let t: TestApp;
  let api: ApiKeysApi;
  before(async () => {
    t = await createTestApp({ env: PLANS_ENV });
    const p = await createProject(t, 'sdk-quota', { plan: 'tiny' });
    await fill(t, p.token, 10);
    await t.app.api.listen({ port: 0, host: '127.0.0.1' });
    const basePath = `http://127.0.0.1:${(t.app.api.server.address() as AddressInfo).port}`;
    api = new ApiKeysApi(new Configuration({ basePath, accessToken: p.token }));
  });
  after(() => t.close());

  test('the 402 surfaces as a ResponseError with response.status 402 and the AIP-193 body', async () => {
    let caught: unknown;
    try {
      await api.adminIssueApiKey({ issueApiKeyRequest: { name: 'over quota' } });
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof ResponseError, `expected ResponseError, got ${(caught as Error)?.name}: ${(caught as Error)?.message}`);
    assert.equal(caught.response.status, 402);
    const body = (await caught.response.json()) as any;
    assert.equal(body.error.code, 402);
    assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
    assert.equal(body.error.details[0].reason, 'API_KEY_QUOTA_EXCEEDED');
    assert.deepEqual(body.error.details[0].metadata, { limit: '10', current_usage: '10' });
    assert.ok(caught.response.headers.get('x-request-id'));
  });
});

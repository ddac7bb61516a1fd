import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createProject, expectError, type OperatorProject } from '../helpers/operator.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Tenant isolation (SPEC §4: "nothing ever crosses projects"). Two projects on one database, each with
// its own admin token: B's token on A's key must be indistinguishable from an unknown key id — same
// status, same reason, same message — and must change nothing. Public calls resolve their project from
// the path, the Host header or a custom domain, never from anything else.

const P = '/operator/v1/projects';
const ISSUE = '/v2alpha1/admin/issuedApiKeys';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const UNKNOWN_ID = '00000000-0000-4000-8000-00000000beef';
const REVOKE_BODY = { reason: 'REVOCATION_REASON_KEY_COMPROMISE' };

/** Status and error body without the per-request parts. */
const outcome = (res: LightMyRequestResponse) => ({ status: res.statusCode, body: res.body ? res.json() : null });

describe('tenant isolation: admin API', () => {
  let t: TestApp;
  let a: OperatorProject;
  let b: OperatorProject;
  let keyA: { issued_api_key: Record<string, any>; secret: string };
  let snapshot: Record<string, unknown>;

  before(async () => {
    t = await createTestApp();
    a = await createProject(t, 'tenant-a');
    b = await createProject(t, 'tenant-b');
    const res = await t.as(a.token, 'POST', ISSUE, { name: 'a-key', actor_id: 'alice', scopes: ['s'], metadata: { owner: 'a' } });
    assert.equal(res.statusCode, 201, res.body);
    keyA = res.json();
    for (let i = 0; i < 3; i++) assert.equal((await t.as(a.token, 'POST', ISSUE, { name: `a-${i}`, actor_id: 'alice' })).statusCode, 201);
    snapshot = (await t.as(a.token, 'GET', `${ISSUE}/${keyA.issued_api_key.key_id}`)).json();
  });
  after(() => t.close());

  const attacks: [string, (id: string) => [string, string, unknown?]][] = [
    ['get', (id) => ['GET', `${ISSUE}/${id}`]],
    ['update', (id) => ['PATCH', `${ISSUE}/${id}`, { name: 'hijacked', scopes: ['admin'] }]],
    ['update (masked, wrapped)', (id) => ['PATCH', `${ISSUE}/${id}?update_mask=metadata`, { issued_api_key: { metadata: { owner: 'b' } } }]],
    ['rotate', (id) => ['POST', `${ISSUE}/${id}:rotate`, {}]],
    ['revoke', (id) => ['POST', `${ISSUE}/${id}:revoke`, REVOKE_BODY]],
    ['revoke (apiKeys alias)', (id) => ['POST', `/v2alpha1/admin/apiKeys/${id}:revoke`, REVOKE_BODY]],
  ];

  for (const [name, req] of attacks) {
    test(`B's token on A's key (${name}) answers exactly like an unknown key id: 404 API_KEY_NOT_FOUND`, async () => {
      const [method, url, body] = req(keyA.issued_api_key.key_id);
      const foreign = await t.as(b.token, method as 'GET', url, body);
      const [m2, u2, b2] = req(UNKNOWN_ID);
      const unknown = await t.as(b.token, m2 as 'GET', u2, b2);
      expectError(foreign, 404, 'API_KEY_NOT_FOUND', `${name} foreign`);
      expectError(unknown, 404, 'API_KEY_NOT_FOUND', `${name} unknown`);
      assert.deepEqual(outcome(foreign), outcome(unknown), 'no difference an attacker could observe');
      assert.deepEqual((await t.as(a.token, 'GET', `${ISSUE}/${keyA.issued_api_key.key_id}`)).json(), snapshot, "A's key unchanged");
    });
  }

  test("verify of A's secret with B's token: 200 is_valid:false NOT_FOUND, like an unknown key, leaking nothing", async () => {
    const foreign = await t.as(b.token, 'POST', VERIFY, { credential: keyA.secret });
    assert.equal(foreign.statusCode, 200);
    const v = foreign.json();
    assert.equal(v.is_valid, false);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    for (const leak of ['key_id', 'actor_id', 'metadata', 'scopes', 'status', 'expire_time']) assert.equal(v[leak], undefined, leak);
    const s = keyA.secret;
    const tampered = `${s.slice(0, -1)}${s.endsWith('z') ? 'y' : 'z'}`;
    const unknown = await t.as(b.token, 'POST', VERIFY, { credential: tampered });
    assert.deepEqual(outcome(foreign), outcome(unknown));
    const imported = await t.as(b.token, 'POST', VERIFY, { credential: 'ghp_not_a_known_key_anywhere' });
    assert.deepEqual(outcome(foreign), outcome(imported));
    // And in its own project it still verifies.
    assert.equal((await t.as(a.token, 'POST', VERIFY, { credential: keyA.secret })).json().is_valid, true);
  });

  test("page tokens of A are refused in B (400 INVALID_PAGE_TOKEN); B's list never shows A's keys", async () => {
    const pageA = await t.as(a.token, 'GET', `${ISSUE}?page_size=1`);
    assert.equal(pageA.statusCode, 200);
    const tokA: string = pageA.json().next_page_token;
    assert.ok(tokA);
    expectError(await t.as(b.token, 'GET', `${ISSUE}?page_size=1&page_token=${encodeURIComponent(tokA)}`), 400, 'INVALID_PAGE_TOKEN', 'no filter');
    const filter = encodeURIComponent('actor_id="alice"');
    const filteredA = (await t.as(a.token, 'GET', `${ISSUE}?page_size=1&filter=${filter}`)).json().next_page_token;
    assert.ok(filteredA);
    expectError(
      await t.as(b.token, 'GET', `${ISSUE}?page_size=1&filter=${filter}&page_token=${encodeURIComponent(filteredA)}`),
      400,
      'INVALID_PAGE_TOKEN',
      'with filter',
    );

    const own = await t.as(b.token, 'POST', ISSUE, { name: 'b-key', actor_id: 'alice' });
    assert.equal(own.statusCode, 201);
    const idsA = new Set((await t.as(a.token, 'GET', `${ISSUE}?page_size=1000`)).json().issued_api_keys.map((k: { key_id: string }) => k.key_id));
    assert.equal(idsA.size, 4);
    for (const q of ['', '?page_size=1000', `?filter=${filter}`, `?filter=${encodeURIComponent('status=KEY_STATUS_ACTIVE')}`]) {
      const list = await t.as(b.token, 'GET', `${ISSUE}${q}`);
      assert.equal(list.statusCode, 200);
      const ids = list.json().issued_api_keys.map((k: { key_id: string }) => k.key_id);
      assert.deepEqual(ids, [own.json().issued_api_key.key_id], `B's list ${q}`);
      assert.ok(!ids.some((id: string) => idsA.has(id)));
    }
    // B's own keys are just as invisible to A.
    expectError(await t.as(a.token, 'GET', `${ISSUE}/${own.json().issued_api_key.key_id}`), 404, 'API_KEY_NOT_FOUND');
  });

  test("after every attempt A's key is unchanged, active and verifying; usage counts are per project", async () => {
    const got = await t.as(a.token, 'GET', `${ISSUE}/${keyA.issued_api_key.key_id}`);
    assert.deepEqual(got.json(), snapshot);
    assert.equal(got.json().status, 'KEY_STATUS_ACTIVE');
    assert.equal((await t.as(a.token, 'POST', VERIFY, { credential: keyA.secret })).json().is_valid, true);
    assert.equal((await t.op('GET', `${P}/tenant-a`)).json().usage.active_keys, 4);
    assert.equal((await t.op('GET', `${P}/tenant-b`)).json().usage.active_keys, 1);
    // Operator views are per project too: A's audit log has no event by B's token.
    const events = (await t.op('GET', `${P}/tenant-a/auditEvents?page_size=1000`)).json().audit_events;
    assert.ok(!events.some((e: { actor: string }) => e.actor === `token:${b.tokenId}`));
  });
});

// ---------------------------------------------------------------------------------------------------

async function jwks(t: TestApp, url: string, headers: Record<string, string> = {}) {
  return t.app.api.inject({ method: 'GET', url, headers });
}

const kidsOf = (res: LightMyRequestResponse): string[] => {
  const body = res.json();
  return ((body.keys ?? body.jwks?.keys ?? []) as { kid: string }[]).map((k) => k.kid);
};

async function signingKids(t: TestApp, project: string): Promise<string[]> {
  const res = await t.op('GET', `${P}/${project}/signingKeys`);
  assert.equal(res.statusCode, 200);
  return res.json().signing_keys.map((k: { kid: string }) => k.kid);
}

describe('tenant of public calls (base domain keys.test)', () => {
  let t: TestApp;
  let kidA: string[];
  let kidB: string[];
  let kidDefault: string[];

  before(async () => {
    t = await createTestApp({ env: { KEYSMITH_SERVE_HTTP_BASE_DOMAIN: 'keys.test' } });
    await createProject(t, 'pub-a');
    await createProject(t, 'pub-b', { custom_domains: ['keys.bcorp.example'] });
    kidA = await signingKids(t, 'pub-a');
    kidB = await signingKids(t, 'pub-b');
    kidDefault = await signingKids(t, 'default');
    assert.equal(kidA.length, 1);
    assert.notDeepEqual(kidA, kidB);
  });
  after(() => t.close());

  test('path prefix /projects/<slug>/… names the project', async () => {
    const res = await jwks(t, '/projects/pub-a/.well-known/jwks.json');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(kidsOf(res), kidA);
    assert.deepEqual(kidsOf(await jwks(t, '/projects/pub-b/v2alpha1/derivedKeys/jwks.json')), kidB);
    expectError(await jwks(t, '/projects/nope/.well-known/jwks.json'), 404, 'PROJECT_NOT_FOUND');
    expectError(await jwks(t, `/projects/${encodeURIComponent("pub-a' OR 1=1 --")}/.well-known/jwks.json`), 404, 'PROJECT_NOT_FOUND');
  });

  test('Host <slug>.keys.test names the project (case and port ignored); the base domain itself is the default project', async () => {
    for (const host of ['pub-a.keys.test', 'PUB-A.Keys.Test', 'pub-a.keys.test:4420', 'pub-a.keys.test.']) {
      const res = await jwks(t, '/.well-known/jwks.json', { host });
      assert.equal(res.statusCode, 200, `${host}: ${res.body}`);
      assert.deepEqual(kidsOf(res), kidA, host);
    }
    assert.deepEqual(kidsOf(await jwks(t, '/v2alpha1/derivedKeys/jwks.json', { host: 'pub-a.keys.test' })), kidA, 'Talos envelope');
    assert.deepEqual(kidsOf(await jwks(t, '/.well-known/jwks.json', { host: 'pub-b.keys.test' })), kidB);
    assert.deepEqual(kidsOf(await jwks(t, '/.well-known/jwks.json', { host: 'keys.test' })), kidDefault);
  });

  test('an unknown host → 404 PROJECT_NOT_FOUND, never the default project', async () => {
    for (const host of ['nope.keys.test', 'a.pub-a.keys.test', 'pub-a.keys.test.evil.example', 'localhost', 'evil.example', "x'or'1'='1.keys.test"]) {
      expectError(await jwks(t, '/.well-known/jwks.json', { host }), 404, 'PROJECT_NOT_FOUND', host);
    }
  });

  test('a registered custom domain names its project', async () => {
    for (const host of ['keys.bcorp.example', 'KEYS.BCORP.EXAMPLE:443']) {
      const res = await jwks(t, '/.well-known/jwks.json', { host });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(kidsOf(res), kidB, host);
    }
    expectError(await jwks(t, '/.well-known/jwks.json', { host: 'other.bcorp.example' }), 404, 'PROJECT_NOT_FOUND');
  });

  test('X-Forwarded-Host is ignored unless trusted', async () => {
    assert.deepEqual(kidsOf(await jwks(t, '/.well-known/jwks.json', { host: 'pub-a.keys.test', 'x-forwarded-host': 'pub-b.keys.test' })), kidA);
    assert.deepEqual(kidsOf(await jwks(t, '/.well-known/jwks.json', { host: 'pub-a.keys.test', 'x-forwarded-host': 'keys.bcorp.example' })), kidA);
    expectError(await jwks(t, '/.well-known/jwks.json', { host: 'evil.example', 'x-forwarded-host': 'pub-a.keys.test' }), 404, 'PROJECT_NOT_FOUND');
  });
});

describe('tenant of public calls with KEYSMITH_SERVE_HTTP_TRUST_FORWARDED_HOST=true', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { KEYSMITH_SERVE_HTTP_BASE_DOMAIN: 'keys.test', KEYSMITH_SERVE_HTTP_TRUST_FORWARDED_HOST: 'true' } });
    await createProject(t, 'fwd-a');
    await createProject(t, 'fwd-b', { custom_domains: ['keys.fwd-b.example'] });
  });
  after(() => t.close());

  test('X-Forwarded-Host (first value) names the project; Host is the fallback', async () => {
    const kidA = await signingKids(t, 'fwd-a');
    const kidB = await signingKids(t, 'fwd-b');
    assert.deepEqual(kidsOf(await jwks(t, '/.well-known/jwks.json', { host: 'fwd-a.keys.test', 'x-forwarded-host': 'fwd-b.keys.test' })), kidB);
    assert.deepEqual(kidsOf(await jwks(t, '/.well-known/jwks.json', { host: 'internal.lb', 'x-forwarded-host': 'fwd-a.keys.test, fwd-b.keys.test' })), kidA);
    assert.deepEqual(kidsOf(await jwks(t, '/.well-known/jwks.json', { host: 'internal.lb', 'x-forwarded-host': 'keys.fwd-b.example' })), kidB);
    assert.deepEqual(kidsOf(await jwks(t, '/.well-known/jwks.json', { host: 'fwd-a.keys.test' })), kidA, 'no X-Forwarded-Host: Host');
    expectError(await jwks(t, '/.well-known/jwks.json', { host: 'fwd-a.keys.test', 'x-forwarded-host': 'nope.keys.test' }), 404, 'PROJECT_NOT_FOUND');
  });
});

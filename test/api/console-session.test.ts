import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ensureConsoleBuilt } from '../helpers/console-build.js';
import { createProject, expectError } from '../helpers/operator.js';
import { createTestApp, TEST_ADMIN_TOKEN, TEST_OPERATOR_TOKEN, type TestApp } from '../helpers/test-app.js';

// The console's session cookie as a second way into the API guards: CSRF refused, bearer path untouched.
const ORIGIN = 'http://localhost:80';
const CONSOLE = { 'x-keysmith-console': '1' };

let t: TestApp;
let now = Date.parse('2026-11-27T10:00:00Z');
before(async () => {
  t = await createTestApp({ clock: { now: () => now } });
});
after(() => t.close());

function req(method: InjectOptions['method'], url: string, opts: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  return t.app.api.inject({
    method,
    url,
    headers: {
      ...(opts.cookie ? { cookie: `other=1; ks_console=${opts.cookie}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { payload: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
  });
}

async function signIn(token: string): Promise<string> {
  const res = await req('POST', '/console/session', { body: { token }, headers: { ...CONSOLE, origin: ORIGIN } });
  assert.equal(res.statusCode, 200, res.body);
  const set = String(res.headers['set-cookie']);
  assert.match(set, /^ks_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/, 'no Secure over plain http');
  assert.doesNotMatch(res.body, new RegExp(token), 'the token is never echoed');
  return /^ks_console=([^;]+)/.exec(set)![1];
}

const issue = (cookie: string, headers: Record<string, string>) =>
  req('POST', '/v2alpha1/admin/issuedApiKeys', { cookie, body: { name: 'c', actor_id: 'a' }, headers });

describe('console sign-in', () => {
  test('refuses a sign-in without the console header, with a foreign or missing Origin, or with a wrong token', async () => {
    const cases: [Record<string, string>, unknown, number, string][] = [
      [{ origin: ORIGIN }, { token: TEST_OPERATOR_TOKEN }, 403, 'PERMISSION_DENIED'],
      [{ ...CONSOLE, origin: 'https://evil.example' }, { token: TEST_OPERATOR_TOKEN }, 403, 'PERMISSION_DENIED'],
      [{ ...CONSOLE, origin: 'null' }, { token: TEST_OPERATOR_TOKEN }, 403, 'PERMISSION_DENIED'],
      [{ ...CONSOLE }, { token: TEST_OPERATOR_TOKEN }, 403, 'PERMISSION_DENIED'],
      [{ ...CONSOLE, origin: ORIGIN }, { token: 'ks_pat_wrong' }, 401, 'UNAUTHENTICATED'],
      [{ ...CONSOLE, origin: ORIGIN }, { token: `${TEST_OPERATOR_TOKEN}x` }, 401, 'UNAUTHENTICATED'],
      [{ ...CONSOLE, origin: ORIGIN }, { token: 'a\u0000b' }, 401, 'UNAUTHENTICATED'],
      [{ ...CONSOLE, origin: ORIGIN }, { token: 'x'.repeat(65_536) }, 400, 'INVALID_ARGUMENT'],
      [{ ...CONSOLE, origin: ORIGIN }, { token: 42 }, 400, 'INVALID_ARGUMENT'],
      [{ ...CONSOLE, origin: ORIGIN }, { token: 'x', extra: 1 }, 400, 'INVALID_ARGUMENT'],
      [{ ...CONSOLE, origin: ORIGIN }, '{"token":', 400, 'MALFORMED_JSON'],
    ];
    for (const [headers, body, status, reason] of cases) {
      const res = await req('POST', '/console/session', { body, headers });
      expectError(res, status, reason, JSON.stringify(headers));
      assert.equal(res.headers['set-cookie'], undefined);
    }
  });

  test('GET /console/session names the kind of session, and 401 without one', async () => {
    const op = await signIn(TEST_OPERATOR_TOKEN);
    assert.deepEqual((await req('GET', '/console/session', { cookie: op, headers: CONSOLE })).json(), { kind: 'operator', project_id: null });
    const pr = await signIn(TEST_ADMIN_TOKEN);
    assert.equal((await req('GET', '/console/session', { cookie: pr, headers: CONSOLE })).json().kind, 'project');
    expectError(await req('GET', '/console/session', { cookie: 'nope', headers: CONSOLE }), 401, 'UNAUTHENTICATED');
    expectError(await req('GET', '/console/session', { cookie: op }), 403, 'PERMISSION_DENIED', 'no console header');
  });
});

describe('cookie path into the API guards', () => {
  test('CSRF: no console header → 403; state change with a foreign or missing Origin → 403; same origin → through', async () => {
    const op = await signIn(TEST_OPERATOR_TOKEN);
    expectError(await req('GET', '/operator/v1/projects', { cookie: op }), 403, 'PERMISSION_DENIED', 'GET without header');
    const project = { 'x-keysmith-project': 'default' };
    expectError(await issue(op, { ...project, origin: ORIGIN }), 403, 'PERMISSION_DENIED', 'POST without header');
    expectError(await issue(op, { ...project, ...CONSOLE, origin: 'http://localhost:80.evil.example' }), 403, 'PERMISSION_DENIED', 'foreign origin');
    expectError(await issue(op, { ...project, ...CONSOLE }), 403, 'PERMISSION_DENIED', 'no Origin');
    expectError(await issue(op, { ...project, ...CONSOLE, origin: 'not a url' }), 403, 'PERMISSION_DENIED', 'bad Origin');
    assert.equal((await req('GET', '/operator/v1/projects', { cookie: op, headers: CONSOLE })).statusCode, 200);
    const ok = await issue(op, { ...project, ...CONSOLE, origin: ORIGIN });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(typeof ok.json().secret, 'string');
  });

  test('an operator session needs a project for admin calls, mints an audited short-lived token once per project', async () => {
    const op = await signIn(TEST_OPERATOR_TOKEN);
    expectError(await req('GET', '/v2alpha1/admin/issuedApiKeys', { cookie: op, headers: CONSOLE }), 400, 'INVALID_ARGUMENT', 'no project');
    const bad = await req('GET', '/v2alpha1/admin/issuedApiKeys', { cookie: op, headers: { ...CONSOLE, 'x-keysmith-project': 'no-such-project' } });
    expectError(bad, 404, 'PROJECT_NOT_FOUND');
    for (const hostile of ['x'.repeat(4000), "default' OR '1'='1", '../default', 'default\r\nx: y'.replace('\r\n', '%0d%0a')]) {
      const res = await req('GET', '/v2alpha1/admin/issuedApiKeys', { cookie: op, headers: { ...CONSOLE, 'x-keysmith-project': hostile } });
      expectError(res, 404, 'PROJECT_NOT_FOUND', hostile.slice(0, 30));
    }
    const p = await createProject(t, 'console-mint');
    for (let i = 0; i < 3; i++) {
      const res = await req('GET', '/v2alpha1/admin/issuedApiKeys', { cookie: op, headers: { ...CONSOLE, 'x-keysmith-project': p.slug } });
      assert.equal(res.statusCode, 200, res.body);
    }
    const minted = (await t.op('GET', `/operator/v1/projects/${p.id}/tokens`))
      .json()
      .tokens.filter((x: { name: string }) => x.name === 'console session (operator)');
    assert.equal(minted.length, 1, 'one token per project per session, reused');
    assert.ok(minted[0].expire_time, 'the minted token expires');
    await t.app.audit.close();
    const events = (await t.op('GET', `/operator/v1/projects/${p.id}/auditEvents?action=token.create`)).json().audit_events;
    assert.ok(events.some((e: { actor: string; details: { token_id: string } }) => e.actor === 'operator' && e.details.token_id === minted[0].id));
    // Sign-out revokes it.
    assert.equal((await req('DELETE', '/console/session', { cookie: op, headers: { ...CONSOLE, origin: ORIGIN } })).statusCode, 204);
    await new Promise((r) => setTimeout(r, 50));
    const after = (await t.op('GET', `/operator/v1/projects/${p.id}/tokens`)).json().tokens.find((x: { id: string }) => x.id === minted[0].id);
    assert.ok(after.revoke_time, 'minted token revoked at sign-out');
  });

  test('a project session reaches its own project only, never the operator API', async () => {
    const pr = await signIn(TEST_ADMIN_TOKEN);
    assert.equal((await req('GET', '/v2alpha1/admin/issuedApiKeys', { cookie: pr, headers: CONSOLE })).statusCode, 200);
    // The project header cannot move a project session elsewhere.
    const other = await createProject(t, 'console-other');
    const listed = await req('POST', '/v2alpha1/admin/issuedApiKeys', {
      cookie: pr,
      body: { name: 'mine', actor_id: 'a' },
      headers: { ...CONSOLE, origin: ORIGIN, 'x-keysmith-project': other.slug },
    });
    assert.equal(listed.statusCode, 201);
    const inOther = await t.as(other.token, 'GET', `/v2alpha1/admin/issuedApiKeys/${listed.json().issued_api_key.key_id}`);
    expectError(inOther, 404, 'API_KEY_NOT_FOUND');
    expectError(await req('GET', '/operator/v1/projects', { cookie: pr, headers: CONSOLE }), 401, 'UNAUTHENTICATED');
  });

  test('the Authorization path is unchanged: a bearer wins over any cookie and needs no console header', async () => {
    const op = await signIn(TEST_OPERATOR_TOKEN);
    const withBearer = await req('GET', '/v2alpha1/admin/issuedApiKeys', { cookie: op, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    assert.equal(withBearer.statusCode, 200, withBearer.body);
    const wrongBearer = await req('GET', '/operator/v1/projects', { cookie: op, headers: { ...CONSOLE, authorization: 'Bearer ks_pat_wrong' } });
    expectError(wrongBearer, 401, 'UNAUTHENTICATED', 'the cookie never rescues a bad bearer');
    expectError(await t.call('GET', '/operator/v1/projects'), 401, 'UNAUTHENTICATED', 'project token on the operator API');
    expectError(await req('GET', '/v2alpha1/admin/issuedApiKeys'), 401, 'UNAUTHENTICATED', 'neither');
  });

  test('sign-out clears the cookie and ends the session; idle sessions expire', async () => {
    const op = await signIn(TEST_OPERATOR_TOKEN);
    expectError(await req('DELETE', '/console/session', { cookie: op, headers: { ...CONSOLE, origin: 'https://evil.example' } }), 403, 'PERMISSION_DENIED');
    const out = await req('DELETE', '/console/session', { cookie: op, headers: { ...CONSOLE, origin: ORIGIN } });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers['set-cookie']), /^ks_console=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
    expectError(await req('GET', '/operator/v1/projects', { cookie: op, headers: CONSOLE }), 401, 'UNAUTHENTICATED');

    const idle = await signIn(TEST_OPERATOR_TOKEN);
    now += 29 * 60_000;
    assert.equal((await req('GET', '/operator/v1/projects', { cookie: idle, headers: CONSOLE })).statusCode, 200, 'used within 30 min');
    now += 30 * 60_000;
    expectError(await req('GET', '/operator/v1/projects', { cookie: idle, headers: CONSOLE }), 401, 'UNAUTHENTICATED', 'idle 30 min');
    expectError(await req('GET', '/operator/v1/projects', { cookie: 'x'.repeat(4000), headers: CONSOLE }), 401, 'UNAUTHENTICATED', 'hostile cookie');
    // Security: neither the tokens typed at sign-in nor session ids reach the log.
    const log = t.logs.text();
    for (const secret of [TEST_OPERATOR_TOKEN, TEST_ADMIN_TOKEN, op, idle]) assert.ok(!log.includes(secret), 'secret in log');
  });
});

describe('console usage endpoint', () => {
  test('counts verifications per minute for the caller project, with the quota', async () => {
    const p = await createProject(t, 'console-usage');
    const key = (await t.as(p.token, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'u', actor_id: 'a' })).json().secret;
    await t.as(p.token, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential: key });
    await t.as(p.token, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential: 'nope' });
    await t.as(p.token, 'POST', '/v2alpha1/admin/apiKeys:batchVerify', { requests: [{ credential: key }, { credential: 'x' }, { credential: 'y' }] });
    const res = await t.as(p.token, 'GET', '/console/api/usage');
    assert.equal(res.statusCode, 200, res.body);
    const u = res.json();
    assert.equal(u.active_keys, 1);
    assert.equal(u.verifications.length, 60);
    const last = u.verifications[59];
    assert.deepEqual([last.valid, last.invalid], [2, 3]);
    // Another project saw nothing.
    const other = (await t.call('GET', '/console/api/usage')).json();
    assert.equal(
      other.verifications.reduce((s: number, m: { valid: number; invalid: number }) => s + m.valid + m.invalid, 0),
      0,
    );
    expectError(await req('GET', '/console/api/usage'), 401, 'UNAUTHENTICATED');
  });

  test('verifications answered by the node:http fast path (a listening server) are counted too', async () => {
    const p = await createProject(t, 'console-usage-http');
    const key = (await t.as(p.token, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'u', actor_id: 'a' })).json().secret;
    if (!t.app.api.server.listening) await t.app.api.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.api.server.address() as AddressInfo;
    for (const credential of [key, 'nope'])
      await fetch(`http://127.0.0.1:${port}/v2alpha1/admin/apiKeys:verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ credential }),
      });
    const last = (await t.as(p.token, 'GET', '/console/api/usage')).json().verifications[59];
    assert.deepEqual([last.valid, last.invalid], [1, 1]);
  });
});

describe('console files', () => {
  test('index and hashed assets: strict CSP, gzip, caching; unknown files 404', async () => {
    await ensureConsoleBuilt();
    const index: LightMyRequestResponse = await req('GET', '/console', { headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(index.statusCode, 200);
    assert.match(
      String(index.headers['content-security-policy']),
      /^default-src 'self'; script-src 'self'; style-src 'self';.*frame-ancestors 'none'; base-uri 'none'; form-action 'self'$/,
    );
    assert.equal(index.headers['content-encoding'], 'gzip');
    assert.equal(index.headers['cache-control'], 'no-cache');
    const plain = await req('GET', '/console/');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.doesNotMatch(plain.body, /<script>|<style|\sstyle=|\son[a-z]+=/i, 'no inline script or style');
    const js = /src="(\/console\/assets\/app-[A-Z0-9]+\.js)"/.exec(plain.body)![1];
    const asset = await req('GET', js, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(asset.headers['content-type']), /^text\/javascript/);
    for (const url of ['/console/assets/nope.js', '/console/assets/..%2f..%2fpackage.json', '/console/assets/%00']) {
      assert.equal((await req('GET', url)).statusCode, 404, url);
    }
  });

  test('not served in `serve public` mode', async () => {
    const pub = await createTestApp({ mode: 'public' });
    try {
      for (const [m, url] of [
        ['GET', '/console'],
        ['POST', '/console/session'],
        ['GET', '/console/api/usage'],
      ] as const) {
        assert.equal((await pub.app.api.inject({ method: m, url })).statusCode, 404, url);
      }
    } finally {
      await pub.close();
    }
  });
});

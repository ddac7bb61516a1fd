import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { selectedBackend } from '../helpers/databases.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// SPEC §6: nothing secret is ever logged (raw keys, secrets, tokens, Authorization headers, bodies of
// credential endpoints), and a database dump alone holds no key secret, no checksum, no admin token
// and no HMAC secret in clear. The test runs a whole lifecycle at debug level while capturing every
// log line, records every secret it saw or sent, and then searches the log and the database bytes.

const BASE = '/v2alpha1/admin/issuedApiKeys';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';

describe('no secret in logs or in the database', () => {
  let t: TestApp;
  /** Every secret-bearing string that went over the wire, with where it came from. */
  const secrets = new Map<string, string>();
  const checksums = new Map<string, string>();
  const keyIds: string[] = [];
  const statuses = new Set<number>();
  let requests = 0;

  const remember = (value: string, what: string) => {
    assert.ok(value && value.length >= 8, `${what} is long enough to search for`);
    secrets.set(value, what);
  };
  const rememberKey = (secret: string, what: string) => {
    remember(secret, what);
    checksums.set(secret.slice(secret.lastIndexOf('_') + 1), `checksum of ${what}`);
  };

  async function call(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await t.app.api.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${t.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    requests++;
    statuses.add(res.statusCode);
    assert.ok(res.statusCode < 500, `${method} ${url} → ${res.statusCode} ${res.body}`);
    return res;
  }

  before(async () => {
    t = await createTestApp();
    remember(t.token, 'admin token');
    remember(`Bearer ${t.token}`, 'Authorization header');

    // Issue several keys with full request bodies.
    const issued: { id: string; secret: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call('POST', BASE, {
        name: `log test ${i}`,
        actor_id: 'log-actor',
        scopes: ['read', 'write'],
        metadata: { i, note: 'metadata is not secret' },
        ttl: '2h',
        rate_limit_policy: { quota: '10', window: '1m' },
        ip_restriction: { allowed_cidrs: ['0.0.0.0/0', '::/0'] },
        request_id: `log-req-${i}`,
      });
      assert.equal(res.statusCode, 201, res.body);
      const { issued_api_key: k, secret } = res.json();
      rememberKey(secret, `issued secret ${i}`);
      issued.push({ id: k.key_id, secret });
      keyIds.push(k.key_id);
    }
    // Idempotent replay (no secret in the answer, but the request is logged).
    assert.equal((await call('POST', BASE, { request_id: 'log-req-0' })).statusCode, 201);

    // Verify: valid, wrong checksum, garbage, imported-looking and JWT-looking credentials.
    for (const { secret } of issued) assert.equal((await call('POST', VERIFY, { credential: secret })).json().is_valid, true);
    const wrong = issued[0].secret.slice(0, -3) + (issued[0].secret.endsWith('aaa') ? 'bbb' : 'aaa');
    const invalid = [
      wrong,
      'sk_live_imported_looking_credential_Zq8vX2',
      'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJsb2ctdGVzdCJ9.c2lnbmF0dXJlX2xvZ190ZXN0',
      'ks_ak_v1_garbage_credential_marker',
      'mc_v1_macaroon_looking_credential_marker',
    ];
    for (const [i, credential] of invalid.entries()) {
      remember(credential, `invalid verify credential ${i}`);
      const res = await call('POST', VERIFY, { credential });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().is_valid, false);
    }

    // Rotate two keys; the new secrets and the old (now revoked) ones must not leak either.
    for (const { id } of issued.slice(0, 2)) {
      const res = await call('POST', `${BASE}/${id}:rotate`, { scopes: ['read'] });
      assert.equal(res.statusCode, 201, res.body);
      rememberKey(res.json().secret, `rotated secret of ${id}`);
      keyIds.push(res.json().issued_api_key.key_id);
      const v = await call('POST', VERIFY, { credential: res.json().secret });
      assert.equal(v.json().is_valid, true);
    }
    assert.equal((await call('POST', VERIFY, { credential: issued[0].secret })).json().error_code, 'VERIFICATION_ERROR_REVOKED');

    // Update and revoke, including the 409 of a second revoke.
    assert.equal((await call('PATCH', `${BASE}/${issued[2].id}?update_mask=name`, { name: 'renamed' })).statusCode, 200);
    assert.equal((await call('POST', `${BASE}/${issued[3].id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' })).statusCode, 204);
    assert.equal((await call('POST', `${BASE}/${issued[3].id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' })).statusCode, 409);
    assert.equal((await call('POST', VERIFY, { credential: issued[3].secret })).json().error_code, 'VERIFICATION_ERROR_REVOKED');

    // List with page tokens, following every page.
    let token = '';
    let pages = 0;
    do {
      const res = await call('GET', `${BASE}?page_size=2&filter=${encodeURIComponent('actor_id="log-actor"')}${token ? `&page_token=${token}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      token = res.json().next_page_token;
      if (token) remember(token, `page token ${pages}`);
      pages++;
    } while (token);
    assert.ok(pages >= 3);

    // Malformed and refused requests that carry secrets in the body, URL or headers.
    const leaked = issued[4].secret;
    assert.equal((await call('POST', VERIFY, `{"credential":"${leaked}"`)).statusCode, 400);
    assert.equal((await call('POST', VERIFY, { credential: leaked, extra: leaked })).statusCode, 400);
    assert.equal((await call('POST', VERIFY, { credential: leaked }, { 'content-type': 'text/plain' })).statusCode, 415);
    assert.equal((await call('GET', `${BASE}/${leaked}`)).statusCode, 404);
    assert.equal((await call('GET', `${BASE}?filter=${encodeURIComponent(`actor_id="${leaked}"`)}`)).statusCode, 200);
    assert.equal((await call('GET', `${BASE}?filter=${encodeURIComponent(leaked)}`)).statusCode, 400);
    assert.equal((await call('GET', `/nope/${leaked}`)).statusCode, 404);
    assert.equal((await call('GET', `${BASE}/${leaked}%E0%A4%A`)).statusCode, 400);
    assert.equal((await call('POST', BASE, { name: leaked, scopes: [5] })).statusCode, 400);
    const wrongToken = 'ks_pat_wrong_token_marker_3Jx9QpL2vB';
    remember(wrongToken, 'wrong admin token');
    assert.equal((await call('GET', BASE, undefined, { authorization: `Bearer ${wrongToken}` })).statusCode, 401);
    assert.equal(
      (await call('POST', VERIFY, { credential: leaked }, { authorization: `Basic ${Buffer.from(`u:${t.token}`).toString('base64')}` })).statusCode,
      401,
    );
    remember(Buffer.from(`u:${t.token}`).toString('base64'), 'Basic credentials');
    assert.equal((await call('GET', `${BASE}/00000000-0000-4000-8000-000000000000`)).statusCode, 404);
  });
  after(() => t.close());

  it('the log has one access line per request, with status (so this test can fail)', () => {
    const lines = t.logs.lines.map((l) => JSON.parse(l));
    const access = lines.filter((l) => l.msg === 'request completed');
    // The router-level 400 (undecodable URL) answers before any hook runs and has no access line.
    assert.ok(access.length >= requests - 1, `${access.length} access lines for ${requests} requests`);
    for (const s of [200, 201, 204, 400, 401, 404, 409, 415]) {
      assert.ok(statuses.has(s), `the lifecycle produced a ${s}`);
      assert.ok(
        access.some((l) => l.status === s),
        `an access line with status ${s}`,
      );
    }
    for (const l of access) {
      assert.equal(typeof l.reqId, 'string');
      assert.equal(typeof l.method, 'string');
      assert.equal(typeof l.route, 'string');
    }
    assert.ok(secrets.size >= 15 && checksums.size === 7, `${secrets.size} secrets, ${checksums.size} checksums tracked`);
  });

  it('no secret, token, Authorization value, page token or credential appears in any log line', () => {
    const text = t.logs.text();
    assert.ok(text.length > 1000, 'there is a log to search');
    for (const [value, what] of [...secrets, ...checksums]) {
      assert.ok(!text.includes(value), `${what} appears in the log`);
    }
    assert.doesNotMatch(text, /ks_ak_v1_[1-9A-HJ-NP-Za-km-z]{20,}_[1-9A-HJ-NP-Za-km-z]{10,}/, 'no issued-key-shaped string at all');
    assert.doesNotMatch(text, /ks_pat_/, 'no project token at all');
    assert.doesNotMatch(text, /authorization/i, 'no Authorization header, not even redacted');
  });

  it('project secrets are sealed at rest (every backend)', async () => {
    const rows = await t.app.store.dialect.db.selectFrom('project_secrets').select(['kind', 'sealed']).execute();
    assert.ok(rows.length >= 2, 'an HMAC secret and a signing key');
    assert.ok(rows.some((r) => r.kind === 'hmac'));
    for (const r of rows) assert.match(r.sealed, /^ksenv1\./, `${r.kind} secret is sealed`);
    const ctx = await t.app.projects.context(t.app.bootstrap.projectId);
    const hmac = ctx.hmacSecrets[0].key;
    for (const r of rows) {
      for (const form of ['hex', 'base64', 'base64url'] as const) assert.ok(!r.sealed.includes(hmac.toString(form)), `HMAC secret (${form}) in ${r.kind} row`);
    }
  });

  it('the SQLite file holds no secret, checksum, admin token or HMAC secret in clear', { skip: selectedBackend() !== 'sqlite' }, async () => {
    const files = [`${t.dir}/keysmith.db`, `${t.dir}/keysmith.db-wal`].filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    // Controls: the rows are really in these bytes, so absence below means something.
    for (const id of keyIds) assert.ok(bytes.includes(id), `key_id ${id} is stored`);
    assert.ok(bytes.includes(createHash('sha256').update(t.token).digest('hex')), 'the admin token is stored as its SHA-256');
    assert.ok(bytes.includes('ksenv1.'), 'sealed secrets are stored');

    for (const [value, what] of [...secrets, ...checksums]) assert.ok(!bytes.includes(value), `${what} is in the database file`);
    assert.ok(!bytes.includes(t.token), 'admin token in clear');
    const ctx = await t.app.projects.context(t.app.bootstrap.projectId);
    for (const s of ctx.hmacSecrets) {
      assert.ok(!bytes.includes(s.key), 'raw HMAC secret bytes');
      for (const form of ['hex', 'base64', 'base64url'] as const) assert.ok(!bytes.includes(s.key.toString(form)), `HMAC secret as ${form}`);
    }
  });
});

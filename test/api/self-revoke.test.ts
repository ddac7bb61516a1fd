import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { FrozenClock } from '../../src/shared/clock.js';
import { createProject, expectError } from '../helpers/operator.js';
import { createTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/test-app.js';

// SPEC §3: POST /v2alpha1/apiKeys:selfRevoke is public — the key itself is the proof of possession.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const SELF_REVOKE = '/v2alpha1/apiKeys:selfRevoke';

describe('self-revocation: POST /v2alpha1/apiKeys:selfRevoke', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  let projectId = '';
  before(async () => {
    t = await createTestApp({ clock });
    projectId = t.app.bootstrap.projectId;
  });
  after(() => t.close());

  /** Unauthenticated, from a chosen client address. */
  const selfRevoke = (body: unknown, opts: { remoteAddress?: string; url?: string; headers?: Record<string, string> } = {}): Promise<LightMyRequestResponse> =>
    t.app.api.inject({
      method: 'POST',
      url: opts.url ?? SELF_REVOKE,
      remoteAddress: opts.remoteAddress ?? '127.0.0.1',
      headers: { 'content-type': 'application/json', ...opts.headers },
      payload: JSON.stringify(body),
    });
  const issue = async (token = TEST_ADMIN_TOKEN) => {
    const r = await t.as(token, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'holder', scopes: ['read'] });
    assert.equal(r.statusCode, 201, r.body);
    return { secret: r.json().secret as string, id: r.json().issued_api_key.key_id as string };
  };
  const verify = async (credential: string, token = TEST_ADMIN_TOKEN) => {
    const r = await t.as(token, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential });
    assert.equal(r.statusCode, 200, r.body);
    return r.json() as Record<string, any>;
  };
  const flip = (s: string) => s.slice(0, -1) + (s.at(-1) === 'a' ? 'b' : 'a');

  it('revokes an issued key without Authorization: 200 {}, then verify → REVOKED; again → 200', async () => {
    const k = await issue();
    const r = await selfRevoke({ credential: k.secret, reason: 'REVOCATION_REASON_KEY_COMPROMISE' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), {});
    assert.equal(typeof r.headers['x-request-id'], 'string');
    const v = await verify(k.secret);
    assert.equal(v.is_valid, false);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_REVOKED');
    const rec = await t.call('GET', `/v2alpha1/admin/issuedApiKeys/${k.id}`);
    assert.equal(rec.json().status, 'KEY_STATUS_REVOKED');
    assert.equal(rec.json().revocation_reason, 'REVOCATION_REASON_KEY_COMPROMISE');

    const again = await selfRevoke({ credential: k.secret });
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json(), {});
  });

  it('no reason defaults to KEY_COMPROMISE; an Authorization header is not needed nor harmful', async () => {
    const k = await issue();
    const r = await selfRevoke({ credential: k.secret }, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(r.statusCode, 200, r.body);
    const rec = await t.call('GET', `/v2alpha1/admin/issuedApiKeys/${k.id}`);
    assert.equal(rec.json().revocation_reason, 'REVOCATION_REASON_KEY_COMPROMISE');
  });

  it('revokes an imported key', async () => {
    const raw = `sk_live_${randomBytes(16).toString('hex')}`;
    const imp = await t.call('POST', '/v2alpha1/admin/importedApiKeys', { raw_key: raw, name: 'imp', actor_id: 'a' });
    assert.equal(imp.statusCode, 201, imp.body);
    const r = await selfRevoke({ credential: raw, reason: 'REVOCATION_REASON_SUPERSEDED' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((await verify(raw)).error_code, 'VERIFICATION_ERROR_REVOKED');
    const rec = await t.call('GET', `/v2alpha1/admin/importedApiKeys/${imp.json().key_id}`);
    assert.equal(rec.json().status, 'KEY_STATUS_REVOKED');
    assert.equal(rec.json().revocation_reason, 'REVOCATION_REASON_SUPERSEDED');
  });

  it('a flipped checksum or unknown key → 404 API_KEY_NOT_FOUND, and the real key stays valid', async () => {
    const k = await issue();
    expectError(await selfRevoke({ credential: flip(k.secret) }, { remoteAddress: '192.0.2.1' }), 404, 'API_KEY_NOT_FOUND');
    expectError(await selfRevoke({ credential: 'sk_never_imported_0123456789' }, { remoteAddress: '192.0.2.1' }), 404, 'API_KEY_NOT_FOUND');
    assert.equal((await verify(k.secret)).is_valid, true);
  });

  it('a derived JWT → 400 DERIVED_TOKEN_NOT_REVOCABLE and its parent stays valid', async () => {
    const k = await issue();
    const d = await t.call('POST', '/v2alpha1/admin/apiKeys:derive', { credential: k.secret });
    assert.equal(d.statusCode, 200, d.body);
    expectError(await selfRevoke({ credential: d.json().token.token }), 400, 'DERIVED_TOKEN_NOT_REVOCABLE');
    assert.equal((await verify(k.secret)).is_valid, true);
    assert.equal((await verify(d.json().token.token)).is_valid, true);
  });

  it('reason PRIVILEGE_WITHDRAWN → 400; empty or missing credential → 400; the key stays valid', async () => {
    const k = await issue();
    const pw = await selfRevoke({ credential: k.secret, reason: 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN' });
    assert.equal(pw.statusCode, 400, pw.body);
    expectError(await selfRevoke({ credential: '' }), 400, 'INVALID_ARGUMENT');
    const missing = await selfRevoke({});
    assert.equal(missing.statusCode, 400, missing.body);
    assert.equal((await verify(k.secret)).is_valid, true);
  });

  it('the audit log records key.self_revoke with actor "self" (once, not for the repeat)', async () => {
    const k = await issue();
    assert.equal((await selfRevoke({ credential: k.secret })).statusCode, 200);
    assert.equal((await selfRevoke({ credential: k.secret })).statusCode, 200);
    const r = await t.op('GET', `/operator/v1/projects/${projectId}/auditEvents?action=key.self_revoke&key_id=${k.id}`);
    assert.equal(r.statusCode, 200, r.body);
    const events = r.json().audit_events;
    assert.equal(events.length, 1, r.body);
    assert.equal(events[0].action, 'key.self_revoke');
    assert.equal(events[0].actor, 'self');
    assert.equal(events[0].key_id, k.id);
    assert.equal(events[0].reason, 'REVOCATION_REASON_KEY_COMPROMISE');
    assert.ok(!r.body.includes(k.secret), 'no secret in the audit log');
  });

  it('throttling: 10 failures from one address → the 11th is 429 with Retry-After; other addresses unaffected', async () => {
    const attacker = '203.0.113.66';
    const k = await issue();
    for (let i = 0; i < 10; i++)
      expectError(
        await selfRevoke({ credential: `sk_guess_${i}_0123456789abcdef` }, { remoteAddress: attacker }),
        404,
        'API_KEY_NOT_FOUND',
        `attempt ${i + 1}`,
      );
    const blocked = await selfRevoke({ credential: 'sk_guess_11_0123456789abcdef' }, { remoteAddress: attacker });
    expectError(blocked, 429, 'TOO_MANY_REQUESTS');
    assert.equal(blocked.headers['retry-after'], '60');

    // Another address is not throttled.
    expectError(await selfRevoke({ credential: 'sk_guess_x_0123456789abcdef' }, { remoteAddress: '203.0.113.67' }), 404, 'API_KEY_NOT_FOUND');

    // Actual behaviour: the throttle is checked before the proof of possession, so even a valid key from
    // the throttled address is refused (and is not revoked) until the window passes.
    expectError(await selfRevoke({ credential: k.secret }, { remoteAddress: attacker }), 429, 'TOO_MANY_REQUESTS');
    assert.equal((await verify(k.secret)).is_valid, true);

    clock.advance(30_000);
    const later = await selfRevoke({ credential: 'sk_guess_12_0123456789abcdef' }, { remoteAddress: attacker });
    expectError(later, 429, 'TOO_MANY_REQUESTS');
    assert.equal(later.headers['retry-after'], '30');

    clock.advance(30_000);
    const ok = await selfRevoke({ credential: k.secret }, { remoteAddress: attacker });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await verify(k.secret)).error_code, 'VERIFICATION_ERROR_REVOKED');
  });

  it('successes do not count towards the throttle', async () => {
    const addr = '203.0.113.80';
    for (let i = 0; i < 12; i++) {
      const k = await issue();
      assert.equal((await selfRevoke({ credential: k.secret }, { remoteAddress: addr })).statusCode, 200, `success ${i + 1}`);
    }
  });

  describe('tenants', () => {
    it('/projects/<slugB>/… with project A’s key → 404 and A’s key stays valid; /projects/<slugA>/… revokes', async () => {
      const a = await createProject(t, 'sr-tenant-a');
      const b = await createProject(t, 'sr-tenant-b');
      const ka = await issue(a.token);
      expectError(
        await selfRevoke({ credential: ka.secret }, { url: `/projects/${b.slug}${SELF_REVOKE}`, remoteAddress: '198.51.100.1' }),
        404,
        'API_KEY_NOT_FOUND',
      );
      // The default project (no prefix, no base domain) does not know A's key either.
      expectError(await selfRevoke({ credential: ka.secret }, { remoteAddress: '198.51.100.1' }), 404, 'API_KEY_NOT_FOUND');
      assert.equal((await verify(ka.secret, a.token)).is_valid, true);

      const unknown = await selfRevoke({ credential: ka.secret }, { url: `/projects/no-such-project${SELF_REVOKE}` });
      assert.equal(unknown.statusCode, 404, unknown.body);
      assert.equal((await verify(ka.secret, a.token)).is_valid, true);

      const r = await selfRevoke({ credential: ka.secret }, { url: `/projects/${a.slug}${SELF_REVOKE}` });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal((await verify(ka.secret, a.token)).error_code, 'VERIFICATION_ERROR_REVOKED');
    });
  });
});

describe('self-revocation: tenant from the Host with a base domain', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { KEYSMITH_SERVE_HTTP_BASE_DOMAIN: 'keys.test' } });
  });
  after(() => t.close());

  it('Host <slugA>.keys.test revokes A’s key; Host <slugB>.keys.test does not', async () => {
    const a = await createProject(t, 'host-a');
    const b = await createProject(t, 'host-b');
    const r = await t.as(a.token, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'k' });
    assert.equal(r.statusCode, 201, r.body);
    const secret = r.json().secret as string;
    const post = (host: string) =>
      t.app.api.inject({
        method: 'POST',
        url: SELF_REVOKE,
        headers: { host, 'content-type': 'application/json' },
        payload: JSON.stringify({ credential: secret }),
      });
    expectError(await post(`${b.slug}.keys.test`), 404, 'API_KEY_NOT_FOUND');
    const unknownHost = await post('elsewhere.example');
    assert.equal(unknownHost.statusCode, 404, unknownHost.body);
    const v1 = await t.as(a.token, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential: secret });
    assert.equal(v1.json().is_valid, true);

    const ok = await post(`${a.slug}.keys.test:443`);
    assert.equal(ok.statusCode, 200, ok.body);
    const v2 = await t.as(a.token, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential: secret });
    assert.equal(v2.json().error_code, 'VERIFICATION_ERROR_REVOKED');
  });
});

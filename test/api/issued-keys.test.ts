import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildIssuedKey } from '../../src/keys/key-format.js';
import { FrozenClock } from '../../src/shared/clock.js';
import type { KeyRecord } from '../../src/store/records.js';
import { createTestApp, reasonOf, type TestApp } from '../helpers/test-app.js';

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const BASE = '/v2alpha1/admin/issuedApiKeys';

async function issue(t: TestApp, body: Record<string, unknown> = {}) {
  const res = await t.call('POST', BASE, body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { issued_api_key: Record<string, any>; secret: string };
}

async function verify(t: TestApp, credential: string) {
  const res = await t.call('POST', '/v2alpha1/admin/apiKeys:verify', { credential });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Record<string, any>;
}

describe('issued keys over HTTP', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  before(async () => {
    t = await createTestApp({ clock });
  });
  after(async () => t.close());

  test('issue returns 201, Location, the secret once, and the key verifies', async () => {
    const res = await t.call('POST', BASE, { name: 'ci', actor_id: 'svc-1', scopes: ['read', 'write', 'read'], metadata: { team: 'a' }, ttl: '1h' });
    assert.equal(res.statusCode, 201);
    const body = res.json();
    assert.equal(res.headers.location, `${BASE}/${body.issued_api_key.key_id}`);
    assert.match(body.secret, /^ks_ak_v1_[1-9A-HJ-NP-Za-km-z]+_[1-9A-HJ-NP-Za-km-z]+$/);
    assert.deepEqual(body.issued_api_key.scopes, ['read', 'write']);
    assert.equal(body.issued_api_key.expire_time, new Date(T0 + 3_600_000).toISOString());
    const v = await verify(t, body.secret);
    assert.equal(v.is_valid, true);
    assert.equal(v.key_id, body.issued_api_key.key_id);
    assert.equal(v.actor_id, 'svc-1');
    assert.deepEqual(v.metadata, { team: 'a' });
    const got = await t.call('GET', `${BASE}/${body.issued_api_key.key_id}`);
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().secret, undefined);
    assert.equal(got.body.includes(body.secret), false);
  });

  test('TTL: project default when absent; ≤0, unparsable or above the max is 400 (no clamping)', async () => {
    const d = await issue(t, {});
    assert.equal(d.issued_api_key.expire_time, new Date(T0 + 90 * 86_400_000).toISOString());
    for (const ttl of ['0s', '-1s', 'soon', '366d', '11y', '0.5s']) {
      const res = await t.call('POST', BASE, { ttl });
      assert.equal(res.statusCode, 400, `${ttl}: ${res.body}`);
      assert.ok(['INVALID_TTL', 'INVALID_ARGUMENT'].includes(reasonOf(res) ?? ''), ttl);
    }
    for (const [ttl, ms] of [
      ['1d', 86_400_000],
      ['1w', 7 * 86_400_000],
      ['1mo', 30 * 86_400_000],
      ['1h30m', 5_400_000],
      ['3600s', 3_600_000],
    ] as const) {
      const k = await issue(t, { ttl });
      assert.equal(k.issued_api_key.expire_time, new Date(T0 + ms).toISOString(), ttl);
    }
  });

  test('public visibility uses the public prefix', async () => {
    const k = await issue(t, { visibility: 'KEY_VISIBILITY_PUBLIC' });
    assert.ok(k.secret.startsWith('ks_pk_v1_'));
    assert.equal(k.issued_api_key.visibility, 'KEY_VISIBILITY_PUBLIC');
    assert.equal((await verify(t, k.secret)).visibility, 'KEY_VISIBILITY_PUBLIC');
  });

  test('request_id is idempotent: the replay returns the original key without its secret', async () => {
    const first = await issue(t, { name: 'idem', request_id: 'req-123' });
    const again = await t.call('POST', BASE, { name: 'other name', request_id: 'req-123' });
    assert.equal(again.statusCode, 201);
    assert.equal(again.json().issued_api_key.key_id, first.issued_api_key.key_id);
    assert.equal(again.json().secret, undefined);
    const racing = await Promise.all(Array.from({ length: 8 }, () => t.call('POST', BASE, { request_id: 'req-race' })));
    assert.equal(new Set(racing.map((r) => r.json().issued_api_key.key_id)).size, 1);
    assert.equal(racing.filter((r) => r.json().secret).length, 1);
  });

  test('verify: every possession failure is NOT_FOUND; malformed request is 400', async () => {
    const k = await issue(t, {});
    const s = k.secret;
    const flipped = (i: number) => s.slice(0, i) + (s[i] === 'z' ? 'y' : 'z') + s.slice(i + 1);
    for (const i of [0, 3, 9, 20, s.length - 30, s.length - 1]) {
      const v = await verify(t, flipped(i));
      assert.equal(v.is_valid, false);
      assert.equal(v.error_code, 'VERIFICATION_ERROR_NOT_FOUND', `position ${i}`);
      assert.equal(v.key_id, undefined);
    }
    assert.equal((await verify(t, 'ghp_unknownimportedkey')).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal((await verify(t, '')).error_code, 'VERIFICATION_ERROR_INVALID_FORMAT');
    const bad = await t.call('POST', '/v2alpha1/admin/apiKeys:verify', { nope: 1 });
    assert.equal(bad.statusCode, 400);
  });

  test('verify: revoked and expired keys, revoked wins over expired', async () => {
    const k = await issue(t, { ttl: '10s' });
    clock.advance(11_000);
    const expired = await verify(t, k.secret);
    assert.equal(expired.error_code, 'VERIFICATION_ERROR_EXPIRED');
    assert.equal(expired.status, 'KEY_STATUS_EXPIRED');
    const r = await issue(t, { ttl: '10s' });
    const rv = await t.call('POST', `${BASE}/${r.issued_api_key.key_id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' });
    assert.equal(rv.statusCode, 204);
    clock.advance(11_000);
    assert.equal((await verify(t, r.secret)).error_code, 'VERIFICATION_ERROR_REVOKED');
  });

  test('timestamp bounds: future beyond clock skew and older than max TTL are NOT_FOUND', async () => {
    const ctx = await t.app.projects.context(t.app.bootstrap.projectId);
    const store = t.app.store.keys(ctx.id);
    const now = clock.now();
    const make = async (tsMs: number, keyId: string) => {
      const rec: KeyRecord = {
        keyId,
        kind: 'issued',
        name: 'crafted',
        actorId: null,
        scopes: [],
        metadata: {},
        status: 'active',
        visibility: 'secret',
        tokenPrefix: 'ks_ak',
        lookupHash: null,
        createdAt: now,
        updatedAt: now,
        expiresAt: now + 86_400_000,
        lastUsedAt: null,
        rateLimit: null,
        allowedCidrs: [],
        revocationReason: null,
        revocationDescription: null,
        requestId: null,
      };
      await store.insert(rec);
      return buildIssuedKey('ks_ak', Math.floor(tsMs / 1000), keyId, ctx.hmacSecrets[0].key);
    };
    assert.equal((await verify(t, await make(now + 60_000, '00000000-0000-4000-8000-000000000001'))).is_valid, true, 'within skew');
    assert.equal((await verify(t, await make(now + 10 * 60_000, '00000000-0000-4000-8000-000000000002'))).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal((await verify(t, await make(now - 400 * 86_400_000, '00000000-0000-4000-8000-000000000003'))).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
  });

  test('HMAC rotation: keys under the retired secret verify until the retired entry expires', async () => {
    const old = await issue(t, { ttl: '30d' });
    await t.app.projects.rotateHmacSecret(t.app.bootstrap.projectId, clock.now() + 3_600_000);
    const fresh = await issue(t, { ttl: '30d' });
    assert.equal((await verify(t, old.secret)).is_valid, true);
    assert.equal((await verify(t, fresh.secret)).is_valid, true);
    clock.advance(3_600_000); // exclusive boundary: at expires_at the retired secret is gone
    assert.equal((await verify(t, old.secret)).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal((await verify(t, fresh.secret)).is_valid, true);
  });

  test('prefix rotation: a retired prefix keeps verifying, an unknown one is NOT_FOUND', async () => {
    const old = await issue(t, {});
    await t.app.projects.updateSettings(t.app.bootstrap.projectId, (s) => {
      s.api_keys.prefix.retired = [s.api_keys.prefix.current];
      s.api_keys.prefix.current = 'acme_live';
      return s;
    });
    const fresh = await issue(t, {});
    assert.ok(fresh.secret.startsWith('acme_live_v1_'));
    assert.equal((await verify(t, old.secret)).is_valid, true);
    await t.app.projects.updateSettings(t.app.bootstrap.projectId, (s) => ({
      ...s,
      api_keys: { ...s.api_keys, prefix: { ...s.api_keys.prefix, retired: [] } },
    }));
    assert.equal((await verify(t, old.secret)).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal((await verify(t, fresh.secret)).is_valid, true);
    await t.app.projects.updateSettings(t.app.bootstrap.projectId, (s) => ({
      ...s,
      api_keys: { ...s.api_keys, prefix: { ...s.api_keys.prefix, current: 'ks_ak' } },
    }));
  });

  test('update (AIP-134): mask, no mask, clearing, wrapped body, invalid mask', async () => {
    const k = await issue(t, {
      name: 'n',
      scopes: ['a'],
      metadata: { x: 1 },
      rate_limit_policy: { quota: 5, window: '1m' },
      ip_restriction: { allowed_cidrs: ['10.0.0.0/8'] },
    });
    const id = k.issued_api_key.key_id;
    let r = await t.call('PATCH', `${BASE}/${id}?update_mask=scopes`, { scopes: ['b'], name: 'ignored' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json().scopes, ['b']);
    assert.equal(r.json().name, 'n');
    r = await t.call('PATCH', `${BASE}/${id}`, { issued_api_key: { name: 'renamed' } });
    assert.equal(r.json().name, 'renamed');
    assert.deepEqual(r.json().scopes, ['b']);
    r = await t.call('PATCH', `${BASE}/${id}?update_mask=rate_limit_policy,ip_restriction,metadata`, {});
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().rate_limit_policy, undefined);
    assert.deepEqual(r.json().ip_restriction.allowed_cidrs, []);
    assert.deepEqual(r.json().metadata, {});
    r = await t.call('PATCH', `${BASE}/${id}?update_mask=actor_id`, { actor_id: 'x' });
    assert.equal(r.statusCode, 400);
    assert.equal(reasonOf(r), 'INVALID_UPDATE_MASK');
    r = await t.call('PATCH', `${BASE}/${id}`, { key_id: '00000000-0000-4000-8000-00000000ffff', name: 'x' });
    assert.equal(r.statusCode, 400);
    r = await t.call('PATCH', `${BASE}/00000000-0000-4000-8000-00000000ffff`, { name: 'x' });
    assert.equal(r.statusCode, 404);
    assert.equal(reasonOf(r), 'API_KEY_NOT_FOUND');
  });

  test('rotate: one transaction, inherits fields and expiry, old key SUPERSEDED; non-active → 409', async () => {
    const k = await issue(t, { name: 'rot', scopes: ['a'], ttl: '2h', metadata: { m: true } });
    const id = k.issued_api_key.key_id;
    clock.advance(60_000);
    const r = await t.call('POST', `${BASE}/${id}:rotate`, { scopes: ['b'] });
    assert.equal(r.statusCode, 201, r.body);
    const body = r.json();
    assert.notEqual(body.issued_api_key.key_id, id);
    assert.equal(r.headers.location, `${BASE}/${body.issued_api_key.key_id}`);
    assert.deepEqual(body.issued_api_key.scopes, ['b']);
    assert.deepEqual(body.issued_api_key.metadata, { m: true });
    assert.equal(body.issued_api_key.expire_time, k.issued_api_key.expire_time);
    assert.equal(body.old_issued_api_key.status, 'KEY_STATUS_REVOKED');
    assert.equal(body.old_issued_api_key.revocation_reason, 'REVOCATION_REASON_SUPERSEDED');
    assert.equal((await verify(t, body.secret)).is_valid, true);
    assert.equal((await verify(t, k.secret)).error_code, 'VERIFICATION_ERROR_REVOKED');
    const again = await t.call('POST', `${BASE}/${id}:rotate`, {});
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.status, 'FAILED_PRECONDITION');
  });

  test('concurrent rotate of one key: exactly one succeeds', async () => {
    const k = await issue(t, {});
    const results = await Promise.all(Array.from({ length: 10 }, () => t.call('POST', `${BASE}/${k.issued_api_key.key_id}:rotate`, {})));
    assert.equal(results.filter((r) => r.statusCode === 201).length, 1);
    assert.ok(results.every((r) => r.statusCode === 201 || r.statusCode === 409));
  });

  test('revoke: reason required, description only with PRIVILEGE_WITHDRAWN, second revoke 409, alias path', async () => {
    const k = await issue(t, {});
    const id = k.issued_api_key.key_id;
    assert.equal((await t.call('POST', `${BASE}/${id}:revoke`, {})).statusCode, 400);
    const d = await t.call('POST', `${BASE}/${id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE', description: 'x' });
    assert.equal(d.statusCode, 400);
    const ok = await t.call('POST', `${BASE}/${id}:revoke`, { reason: 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN', description: 'left the team' });
    assert.equal(ok.statusCode, 204);
    assert.equal(ok.body, '');
    const again = await t.call('POST', `/v2alpha1/admin/apiKeys/${id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' });
    assert.equal(again.statusCode, 409);
    assert.equal(reasonOf(again), 'API_KEY_ALREADY_REVOKED');
    const got = (await t.call('GET', `${BASE}/${id}`)).json();
    assert.equal(got.revocation_reason, 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN');
    assert.equal(got.revocation_description, 'left the team');
    const alias = await issue(t, {});
    assert.equal(
      (await t.call('POST', `/v2alpha1/admin/apiKeys/${alias.issued_api_key.key_id}:revoke`, { reason: 'REVOCATION_REASON_SUPERSEDED' })).statusCode,
      204,
    );
  });

  test('authentication: missing, malformed and unknown tokens are 401', async () => {
    for (const authorization of [undefined, 'Basic abc', 'Bearer', 'Bearer nope', `Bearer ${t.token}x`]) {
      const res = await t.app.api.inject({ method: 'GET', url: BASE, headers: authorization ? { authorization } : {} });
      assert.equal(res.statusCode, 401, String(authorization));
      assert.equal(reasonOf(res), 'UNAUTHENTICATED');
    }
  });

  test('permissions: a read-only token lists but cannot issue; a verify token only verifies', async () => {
    const pid = t.app.bootstrap.projectId;
    const read = await t.app.tokens.create(pid, 'ro', ['read']);
    const ver = await t.app.tokens.create(pid, 'gw', ['verify']);
    const as = (tok: string, method: 'GET' | 'POST', url: string, body?: unknown) =>
      t.app.api.inject({
        method,
        url,
        headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
        payload: body ? JSON.stringify(body) : undefined,
      });
    assert.equal((await as(read.token, 'GET', BASE)).statusCode, 200);
    const denied = await as(read.token, 'POST', BASE, {});
    assert.equal(denied.statusCode, 403);
    assert.equal(reasonOf(denied), 'PERMISSION_DENIED');
    assert.equal((await as(ver.token, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential: 'x' })).statusCode, 200);
    assert.equal((await as(ver.token, 'GET', BASE)).statusCode, 403);
    await t.app.tokens.revoke(pid, read.tokenId);
    assert.equal((await as(read.token, 'GET', BASE)).statusCode, 401);
  });
});

describe('listing and page tokens', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  test('2,500 keys with page_size 1000: each key exactly once, then an empty token', async () => {
    const ctx = await t.app.projects.context(t.app.bootstrap.projectId);
    const store = t.app.store.keys(ctx.id);
    const ids = new Set<string>();
    for (let i = 0; i < 2500; i++) {
      const { key } = await t.app.issuedKeys.issue(ctx, store, { ttlMs: 3_600_000, actorId: i % 2 ? 'odd' : 'even' });
      ids.add(key.keyId);
    }
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const res = await t.call('GET', `/v2alpha1/admin/issuedApiKeys?page_size=1000${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      seen.push(...body.issued_api_keys.map((k: { key_id: string }) => k.key_id));
      token = body.next_page_token;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.equal(seen.length, 2500);
    assert.equal(new Set(seen).size, 2500);
    assert.deepEqual(new Set(seen), ids);

    const clamped = await t.call('GET', '/v2alpha1/admin/issuedApiKeys?page_size=5000');
    assert.equal(clamped.json().issued_api_keys.length, 1000);
    const dflt = await t.call('GET', '/v2alpha1/admin/issuedApiKeys');
    assert.equal(dflt.json().issued_api_keys.length, 50);

    const filter = encodeURIComponent('actor_id="odd" AND status=KEY_STATUS_ACTIVE');
    let n = 0;
    token = '';
    do {
      const res = await t.call('GET', `/v2alpha1/admin/issuedApiKeys?page_size=400&filter=${filter}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      const body = res.json();
      assert.ok(body.issued_api_keys.every((k: { actor_id: string }) => k.actor_id === 'odd'));
      n += body.issued_api_keys.length;
      token = body.next_page_token;
    } while (token);
    assert.equal(n, 1250);
  });

  test('page tokens: tampered, reused with another filter, or from another project → 400', async () => {
    const first = (await t.call('GET', '/v2alpha1/admin/issuedApiKeys?page_size=10')).json();
    const tok: string = first.next_page_token;
    assert.ok(tok);
    const flip = tok.slice(0, 10) + (tok[10] === 'A' ? 'B' : 'A') + tok.slice(11);
    for (const bad of [flip, `${tok}x`, 'garbage', tok.slice(0, -2)]) {
      const res = await t.call('GET', `/v2alpha1/admin/issuedApiKeys?page_size=10&page_token=${encodeURIComponent(bad)}`);
      assert.equal(res.statusCode, 400);
      assert.equal(reasonOf(res), 'INVALID_PAGE_TOKEN');
    }
    const otherFilter = await t.call(
      'GET',
      `/v2alpha1/admin/issuedApiKeys?page_size=10&filter=${encodeURIComponent('actor_id="odd"')}&page_token=${encodeURIComponent(tok)}`,
    );
    assert.equal(otherFilter.statusCode, 400);

    const other = await t.app.projects.create({ slug: 'other', name: 'Other' });
    await t.app.projects.enableApiKeys(other.id);
    const { token: otherToken } = await t.app.tokens.create(other.id, 'admin', ['admin']);
    const res = await t.app.api.inject({
      method: 'GET',
      url: `/v2alpha1/admin/issuedApiKeys?page_size=10&page_token=${encodeURIComponent(tok)}`,
      headers: { authorization: `Bearer ${otherToken}` },
    });
    assert.equal(res.statusCode, 400);
    const list = await t.app.api.inject({ method: 'GET', url: '/v2alpha1/admin/issuedApiKeys', headers: { authorization: `Bearer ${otherToken}` } });
    assert.deepEqual(list.json().issued_api_keys, []);
    const someKey = first.issued_api_keys[0].key_id;
    const cross = await t.app.api.inject({
      method: 'GET',
      url: `/v2alpha1/admin/issuedApiKeys/${someKey}`,
      headers: { authorization: `Bearer ${otherToken}` },
    });
    assert.equal(cross.statusCode, 404);
  });

  test('filters: supported subset only', async () => {
    for (const f of [
      'actor_id="a" OR status=KEY_STATUS_ACTIVE',
      'name="x"',
      'actor_id=a',
      'status=KEY_STATUS_BOGUS',
      'actor_id="a" AND actor_id="b"',
      'AND',
      'actor_id="a" AND',
    ]) {
      const res = await t.call('GET', `/v2alpha1/admin/issuedApiKeys?filter=${encodeURIComponent(f)}`);
      assert.equal(res.statusCode, 400, f);
      assert.equal(reasonOf(res), 'INVALID_FILTER', f);
    }
    const ok = await t.call('GET', `/v2alpha1/admin/issuedApiKeys?filter=${encodeURIComponent('status=KEY_STATUS_REVOKED')}`);
    assert.equal(ok.statusCode, 200);
  });
});

describe('a project without API keys enabled', () => {
  test('admin calls answer 403 API_KEYS_NOT_ENABLED', async () => {
    const t = await createTestApp();
    try {
      const p = await t.app.projects.create({ slug: 'disabled', name: 'Disabled' });
      const { token } = await t.app.tokens.create(p.id, 'admin', ['admin']);
      const res = await t.app.api.inject({ method: 'GET', url: BASE, headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 403);
      assert.equal(reasonOf(res), 'API_KEYS_NOT_ENABLED');
    } finally {
      await t.close();
    }
  });
});

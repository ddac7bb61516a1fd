import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../src/shared/clock.js';
import { createTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/test-app.js';

/** SPEC §5: the verify cache — MISS/HIT/SKIP, directives, invalidation on every change, checks on hits. */
describe('verify cache', () => {
  let t: TestApp;
  let now = Date.parse('2026-11-27T08:00:00Z');
  const clock: Clock = { now: () => now };
  before(async () => {
    t = await createTestApp({ clock });
    const r = await t.op('PATCH', `/operator/v1/projects/${t.app.bootstrap.projectId}/config`, { cache: { enabled: true, ttl: '5m' } });
    assert.equal(r.statusCode, 200, r.body);
  });
  after(() => t.close());

  const issue = async (body: Record<string, unknown> = {}) => {
    const r = await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'c', ...body });
    assert.equal(r.statusCode, 201, r.body);
    return { secret: r.json().secret as string, id: r.json().issued_api_key.key_id as string };
  };
  const verify = async (credential: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') => {
    const r = await t.app.api.inject({
      method: 'POST',
      url: '/v2alpha1/admin/apiKeys:verify',
      remoteAddress,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify({ credential }),
    });
    assert.equal(r.statusCode, 200, r.body);
    return { body: r.json(), cache: r.headers['ory-talos-cache'] };
  };

  it('MISS then HIT; no-cache and Pragma skip the read; no-store skips read and write', async () => {
    const k = await issue();
    assert.deepEqual([(await verify(k.secret)).cache, (await verify(k.secret)).cache], ['MISS', 'HIT']);
    assert.equal((await verify(k.secret, { 'cache-control': 'no-cache' })).cache, 'SKIP');
    assert.equal((await verify(k.secret, { pragma: 'no-cache' })).cache, 'SKIP');
    const fresh = await issue();
    assert.equal((await verify(fresh.secret, { 'cache-control': 'no-store' })).cache, 'SKIP');
    assert.equal((await verify(fresh.secret)).cache, 'MISS', 'no-store wrote nothing');
  });

  it('a wrong checksum never touches the cache; a garbage credential is SKIP', async () => {
    const k = await issue();
    await verify(k.secret);
    const flipped = k.secret.slice(0, -1) + (k.secret.endsWith('2') ? '3' : '2');
    const out = await verify(flipped);
    assert.equal(out.body.error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal(out.cache, 'SKIP');
  });

  it('revoke, update and rotate take effect at once despite a cached entry', async () => {
    const k = await issue({ scopes: ['a'] });
    await verify(k.secret);
    assert.equal((await verify(k.secret)).cache, 'HIT');
    assert.equal((await t.call('PATCH', `/v2alpha1/admin/issuedApiKeys/${k.id}?update_mask=scopes`, { scopes: ['b'] })).statusCode, 200);
    assert.deepEqual((await verify(k.secret)).body.scopes, ['b']);
    assert.equal((await t.call('POST', `/v2alpha1/admin/issuedApiKeys/${k.id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' })).statusCode, 204);
    assert.equal((await verify(k.secret)).body.error_code, 'VERIFICATION_ERROR_REVOKED');

    const r = await issue();
    await verify(r.secret);
    assert.equal((await t.call('POST', `/v2alpha1/admin/issuedApiKeys/${r.id}:rotate`, {})).statusCode, 201);
    assert.equal((await verify(r.secret)).body.error_code, 'VERIFICATION_ERROR_REVOKED');
  });

  it('imported keys: cached by hash; delete and revoke invalidate', async () => {
    const raw = `legacy-cache-${now}-abcdefghijklmnopqrstuvwxyz`;
    const imp = await t.call('POST', '/v2alpha1/admin/importedApiKeys', { raw_key: raw, name: 'i', actor_id: 'a' });
    assert.equal(imp.statusCode, 201, imp.body);
    assert.deepEqual([(await verify(raw)).cache, (await verify(raw)).cache], ['MISS', 'HIT']);
    assert.equal((await t.call('DELETE', `/v2alpha1/admin/importedApiKeys/${imp.json().key_id}`)).statusCode, 204);
    assert.equal((await verify(raw)).body.error_code, 'VERIFICATION_ERROR_NOT_FOUND');
  });

  it('IP allowlist and expiry are checked on hits too', async () => {
    const k = await issue({ ip_restriction: { allowed_cidrs: ['10.0.0.0/8'] }, ttl: '10s' });
    assert.equal((await verify(k.secret, {}, '10.1.1.1')).body.is_valid, true);
    const hit = await verify(k.secret, {}, '11.1.1.1');
    assert.equal(hit.cache, 'HIT');
    assert.equal(hit.body.error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
    now += 11_000;
    assert.equal((await verify(k.secret, {}, '10.1.1.1')).body.error_code, 'VERIFICATION_ERROR_EXPIRED');
  });

  it('caching off for the project: SKIP', async () => {
    assert.equal((await t.op('PATCH', `/operator/v1/projects/${t.app.bootstrap.projectId}/config`, { cache: { enabled: false } })).statusCode, 200);
    const k = await issue();
    assert.deepEqual([(await verify(k.secret)).cache, (await verify(k.secret)).cache], ['SKIP', 'SKIP']);
  });
});

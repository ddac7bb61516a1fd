import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../src/shared/clock.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** SPEC §5: last_used_time is written asynchronously and coalesced — never on the request path. */
describe('last_used_time', () => {
  let t: TestApp;
  let now = Date.parse('2026-11-27T09:00:00Z');
  const clock: Clock = { now: () => now };
  before(async () => {
    t = await createTestApp({ clock });
  });
  after(() => t.close());

  const verify = (credential: string) => t.call('POST', '/v2alpha1/admin/apiKeys:verify', { credential });

  it('successful verifies are noted in memory and written once per flush, with the latest time', async () => {
    const r = await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'lu' });
    const { secret, issued_api_key } = r.json();
    assert.equal(issued_api_key.last_used_time, undefined);
    assert.equal((await verify(secret)).json().is_valid, true);
    now += 5_000;
    assert.equal((await verify(secret)).json().is_valid, true);
    const before = (await t.call('GET', `/v2alpha1/admin/issuedApiKeys/${issued_api_key.key_id}`)).json();
    assert.equal(before.last_used_time, undefined, 'nothing written on the request path');
    await t.app.lastUsed.flush();
    const after = (await t.call('GET', `/v2alpha1/admin/issuedApiKeys/${issued_api_key.key_id}`)).json();
    assert.equal(after.last_used_time, new Date(now).toISOString());
  });

  it('imported keys too (also through batch verify); failed verifies are not uses', async () => {
    const raw = `legacy-lastused-${now}-abcdefghijklmnopqrstuvwxyz`;
    const imp = (await t.call('POST', '/v2alpha1/admin/importedApiKeys', { raw_key: raw, name: 'i', actor_id: 'a' })).json();
    const k = (await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'rev' })).json();
    await t.call('POST', `/v2alpha1/admin/issuedApiKeys/${k.issued_api_key.key_id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' });
    now += 1_000;
    const b = await t.call('POST', '/v2alpha1/admin/apiKeys:batchVerify', { requests: [{ credential: raw }, { credential: k.secret }] });
    assert.equal(b.statusCode, 200);
    await t.app.lastUsed.flush();
    assert.equal((await t.call('GET', `/v2alpha1/admin/importedApiKeys/${imp.key_id}`)).json().last_used_time, new Date(now).toISOString());
    assert.equal(
      (await t.call('GET', `/v2alpha1/admin/issuedApiKeys/${k.issued_api_key.key_id}`)).json().last_used_time,
      undefined,
      'a revoked key is not used',
    );
  });

  it('an older time never overwrites a newer one', async () => {
    const r = (await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'order' })).json();
    await verify(r.secret);
    await t.app.lastUsed.flush();
    const first = (await t.call('GET', `/v2alpha1/admin/issuedApiKeys/${r.issued_api_key.key_id}`)).json().last_used_time;
    await t.app.store.keys(t.app.bootstrap.projectId).touchLastUsed([{ keyId: r.issued_api_key.key_id, at: Date.parse(first) - 60_000 }]);
    assert.equal((await t.call('GET', `/v2alpha1/admin/issuedApiKeys/${r.issued_api_key.key_id}`)).json().last_used_time, first);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createProject } from '../helpers/operator.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** SPEC §5: batch verify — order kept, per-item results, all misses fetched with one query per credential type. */
describe('POST /v2alpha1/admin/apiKeys:batchVerify', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const issue = async (body: Record<string, unknown> = {}, token = t.token) => {
    const r = await t.as(token, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'b', ...body });
    assert.equal(r.statusCode, 201, r.body);
    return { secret: r.json().secret as string, id: r.json().issued_api_key.key_id as string };
  };
  const importKey = async (raw: string) => {
    const r = await t.call('POST', '/v2alpha1/admin/importedApiKeys', { raw_key: raw, name: 'i', actor_id: 'a' });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().key_id as string;
  };
  const batch = (credentials: string[]) =>
    t.call('POST', '/v2alpha1/admin/apiKeys:batchVerify', { requests: credentials.map((credential) => ({ credential })) });

  it('mixed issued / imported / invalid / revoked / other-project / derived-shaped items, in order', async () => {
    const good = await issue({ scopes: ['s1'] });
    const revoked = await issue();
    assert.equal((await t.call('POST', `/v2alpha1/admin/issuedApiKeys/${revoked.id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' })).statusCode, 204);
    const raw = `legacy-batch-${Date.now()}-abcdefghijklmnopqrstuvwxyz`;
    const importedId = await importKey(raw);
    const other = await createProject(t, 'batch-other');
    const foreign = await issue({}, other.token);
    const restricted = await issue({ ip_restriction: { allowed_cidrs: ['10.0.0.0/8'] } });
    const flipped = good.secret.slice(0, -1) + (good.secret.endsWith('2') ? '3' : '2');

    const items = [good.secret, raw, 'not-a-key', revoked.secret, foreign.secret, 'eyJhbGciOiJFZERTQSJ9.e30.sig', '', flipped, restricted.secret, good.secret];
    const r = await batch(items);
    assert.equal(r.statusCode, 200, r.body);
    const res = r.json().results as Record<string, unknown>[];
    assert.equal(res.length, items.length);
    const expect = [
      { is_valid: true, key_id: good.id },
      { is_valid: true, key_id: importedId },
      { is_valid: false, error_code: 'VERIFICATION_ERROR_NOT_FOUND' },
      { is_valid: false, error_code: 'VERIFICATION_ERROR_REVOKED', key_id: revoked.id },
      { is_valid: false, error_code: 'VERIFICATION_ERROR_NOT_FOUND' },
      { is_valid: false, error_code: 'VERIFICATION_ERROR_NOT_FOUND' },
      { is_valid: false, error_code: 'VERIFICATION_ERROR_INVALID_FORMAT' },
      { is_valid: false, error_code: 'VERIFICATION_ERROR_NOT_FOUND' },
      { is_valid: false, error_code: 'VERIFICATION_ERROR_IP_NOT_ALLOWED', key_id: restricted.id },
      { is_valid: true, key_id: good.id },
    ];
    for (const [i, e] of expect.entries()) for (const [k, v] of Object.entries(e)) assert.equal(res[i][k], v, `item ${i} ${k}: ${JSON.stringify(res[i])}`);
    assert.deepEqual(res[0].scopes, ['s1']);
    assert.ok(!('key_id' in res[4]), 'another project key: no key_id leaks');
    assert.ok(!JSON.stringify(res).includes('10.0.0.0'), 'no CIDR in any result');
  });

  it('one store query per credential type, however many items', async () => {
    const issued = await Promise.all(Array.from({ length: 30 }, () => issue()));
    const raws = Array.from({ length: 20 }, (_, i) => `legacy-q-${i}-${Date.now()}-abcdefghijklmnopqrstuvwxyz`);
    for (const raw of raws) await importKey(raw);
    const store = t.app.store.keys(t.app.bootstrap.projectId);
    const proto = Object.getPrototypeOf(store) as Record<string, (...a: unknown[]) => unknown>;
    const calls = { ids: 0, hashes: 0, single: 0 };
    const wrap = (name: string, counter: keyof typeof calls) => {
      const orig = proto[name];
      proto[name] = function (this: unknown, ...a: unknown[]) {
        calls[counter]++;
        return orig.apply(this, a);
      };
      return () => {
        proto[name] = orig;
      };
    };
    const restore = [wrap('getManyByIds', 'ids'), wrap('getManyByLookupHashes', 'hashes'), wrap('getById', 'single'), wrap('getByAnyLookupHash', 'single')];
    try {
      const r = await batch([...issued.map((k) => k.secret), ...raws, ...raws.slice(0, 5)]);
      assert.equal(r.statusCode, 200, r.body);
      assert.ok((r.json().results as { is_valid: boolean }[]).every((x) => x.is_valid));
    } finally {
      for (const f of restore) f();
    }
    assert.deepEqual(calls, { ids: 1, hashes: 1, single: 0 });
  });

  it('bad batches are 400 AIP-193; 100 items are fine', async () => {
    for (const body of [
      { requests: [] },
      { requests: Array.from({ length: 101 }, () => ({ credential: 'x' })) },
      { requests: [{ credential: 5 }] },
      {},
      { requests: [{}] },
    ]) {
      const r = await t.call('POST', '/v2alpha1/admin/apiKeys:batchVerify', body);
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error.status, 'INVALID_ARGUMENT');
    }
    const ok = await batch(Array.from({ length: 100 }, () => 'unknown-credential'));
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().results.length, 100);
  });

  it('needs the verify permission', async () => {
    const r = await t.as('ks_pat_nope_0123456789abcdefghijklmnopqrstuvwxyz', 'POST', '/v2alpha1/admin/apiKeys:batchVerify', {
      requests: [{ credential: 'x' }],
    });
    assert.equal(r.statusCode, 401);
  });
});

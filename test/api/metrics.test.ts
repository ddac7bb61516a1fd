import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** Prometheus /metrics on the metrics port: bounded labels, never a key, token or id. */
describe('GET /metrics (metrics port)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('counts verifications by type and result, HTTP requests by route pattern, and leaks nothing', async () => {
    const r = (await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'm' })).json();
    await t.call('POST', '/v2alpha1/admin/apiKeys:verify', { credential: r.secret });
    await t.call('POST', '/v2alpha1/admin/apiKeys:verify', { credential: 'garbage-credential-value' });
    await t.call('GET', `/v2alpha1/admin/issuedApiKeys/${r.issued_api_key.key_id}`);
    const m = await t.app.metrics.inject({ method: 'GET', url: '/metrics' });
    assert.equal(m.statusCode, 200);
    assert.match(String(m.headers['content-type']), /^text\/plain/);
    const text = m.body;
    assert.match(text, /keysmith_verifications_total\{type="issued",result="valid"\} 1/);
    assert.match(text, /keysmith_verifications_total\{type="imported",result="VERIFICATION_ERROR_NOT_FOUND"\} 1/);
    assert.match(text, /keysmith_verification_duration_seconds_count\{cache="SKIP"\} 2/);
    assert.match(text, /keysmith_http_requests_total\{method="GET",route="\/v2alpha1\/admin\/issuedApiKeys\/:key_id\(\^\[\^:\/\]\+\)",status="200"\} 1/);
    assert.match(text, /keysmith_process_cpu_seconds_total/);
    for (const secret of [r.secret, r.issued_api_key.key_id, 'garbage-credential-value', t.token, t.app.bootstrap.projectId])
      assert.ok(!text.includes(secret), 'no secret or id in the metrics');
    assert.equal((await t.call('GET', '/metrics')).statusCode, 404, 'not on the API port');
  });
});

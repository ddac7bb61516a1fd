import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { selectedBackend } from '../helpers/databases.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** The value of one sample (`name{labels} value`), or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

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

/** Cache counters (tiny cache, frozen clock so nothing expires) and DB pool gauges. */
describe('GET /metrics: verify cache and database pool', () => {
  let t: TestApp;
  const now = Date.parse('2026-11-27T08:00:00Z');
  before(async () => {
    t = await createTestApp({ clock: { now: () => now }, env: { KEYSMITH_CACHE_MAX_ENTRIES: '2' } });
    const r = await t.op('PATCH', `/operator/v1/projects/${t.app.bootstrap.projectId}/config`, { cache: { enabled: true, ttl: '5m' } });
    assert.equal(r.statusCode, 200, r.body);
  });
  after(() => t.close());

  const scrape = async () => (await t.app.metrics.inject({ method: 'GET', url: '/metrics' })).body;
  const verify = async (credential: string) => {
    const r = await t.call('POST', '/v2alpha1/admin/apiKeys:verify', { credential });
    assert.equal(r.statusCode, 200, r.body);
    return r.headers['ory-talos-cache'];
  };

  it('hits, misses and LRU evictions move as the cache is used; invalidations are not evictions', async () => {
    const keys: { secret: string; id: string }[] = [];
    for (const name of ['a', 'b', 'c']) {
      const r = (await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name })).json();
      keys.push({ secret: r.secret, id: r.issued_api_key.key_id });
    }
    const [a, b, c] = keys;
    const before = await scrape();
    assert.equal(sample(before, 'keysmith_cache_requests_total{result="hit"}'), 0);
    assert.equal(sample(before, 'keysmith_cache_requests_total{result="miss"}'), 0);
    assert.equal(sample(before, 'keysmith_cache_evictions_total'), 0);
    assert.equal(sample(before, 'keysmith_cache_entries'), 0);

    // max_entries = 2: a (miss), a (hit), b (miss), c (miss, evicts a), a (miss, evicts b).
    const outcomes = [await verify(a.secret), await verify(a.secret), await verify(b.secret), await verify(c.secret), await verify(a.secret)];
    assert.deepEqual(outcomes, ['MISS', 'HIT', 'MISS', 'MISS', 'MISS']);
    // A forged checksum proves nothing, so it never reads the cache (no miss counted).
    await verify(c.secret.slice(0, -1) + (c.secret.endsWith('2') ? '3' : '2'));
    let text = await scrape();
    assert.equal(sample(text, 'keysmith_cache_requests_total{result="hit"}'), 1);
    assert.equal(sample(text, 'keysmith_cache_requests_total{result="miss"}'), 4);
    assert.equal(sample(text, 'keysmith_cache_evictions_total'), 2);
    assert.equal(sample(text, 'keysmith_cache_entries'), 2);

    // A revoke invalidates c: one entry fewer, and no eviction counted.
    assert.equal((await t.call('POST', `/v2alpha1/admin/issuedApiKeys/${c.id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' })).statusCode, 204);
    text = await scrape();
    assert.equal(sample(text, 'keysmith_cache_entries'), 1);
    assert.equal(sample(text, 'keysmith_cache_evictions_total'), 2);
    for (const secret of [...keys.flatMap((k) => [k.secret, k.id]), t.token, t.app.bootstrap.projectId])
      assert.ok(!text.includes(secret), 'no key, token or project id in the metrics');
  });

  it('reports database pool connections where the store has a pool (PostgreSQL, MySQL), none on SQLite', async () => {
    const text = await scrape();
    if (selectedBackend() === 'sqlite') {
      assert.doesNotMatch(text, /keysmith_db_pool_connections\{/);
      return;
    }
    const total = sample(text, 'keysmith_db_pool_connections{state="total"}');
    const idle = sample(text, 'keysmith_db_pool_connections{state="idle"}');
    const waiting = sample(text, 'keysmith_db_pool_connections{state="waiting"}');
    assert.ok(total !== undefined && total >= 1, `total ${total}: the app has queried, so a connection is open`);
    assert.ok(idle !== undefined && idle >= 0 && idle <= total, `idle ${idle}`);
    assert.equal(waiting, 0);
  });
});

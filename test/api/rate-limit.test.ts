import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../src/shared/clock.js';
import { createProject } from '../helpers/operator.js';
import { createTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/test-app.js';

const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const BATCH = '/v2alpha1/admin/apiKeys:batchVerify';
const T0 = Date.parse('2026-11-27T10:00:00Z');

/** SPEC §5 rate limits, in-process limiter: GCRA per key, headers, response fields, plan gating, batch. */
describe('rate limits (in-process limiter)', () => {
  let t: TestApp;
  let now = T0;
  const clock: Clock = { now: () => now };
  const config = (patch: Record<string, unknown>, project = t.app.bootstrap.projectId) => t.op('PATCH', `/operator/v1/projects/${project}/config`, patch);
  before(async () => {
    t = await createTestApp({ clock });
  });
  after(() => t.close());

  const issue = async (body: Record<string, unknown> = {}, token = TEST_ADMIN_TOKEN) => {
    const r = await t.as(token, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'rl', rate_limit_policy: { quota: '3', window: '60s' }, ...body });
    assert.equal(r.statusCode, 201, r.body);
    return { secret: r.json().secret as string, id: r.json().issued_api_key.key_id as string };
  };
  const verify = async (credential: string, opts: { headers?: Record<string, string>; remoteAddress?: string; token?: string } = {}) => {
    const r = await t.app.api.inject({
      method: 'POST',
      url: VERIFY,
      remoteAddress: opts.remoteAddress ?? '127.0.0.1',
      headers: { authorization: `Bearer ${opts.token ?? TEST_ADMIN_TOKEN}`, 'content-type': 'application/json', ...opts.headers },
      payload: JSON.stringify({ credential }),
    });
    assert.equal(r.statusCode, 200, r.body);
    return { body: r.json(), headers: r.headers };
  };
  const codes = async (credential: string, n: number, opts: Parameters<typeof verify>[1] = {}) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await verify(credential, opts)).body.error_code ?? 'valid');
    return out;
  };

  it('enforced by default on a plan with rate limiting: headers and fields on every call, RATE_LIMITED past the quota', async () => {
    now = T0;
    const k = await issue();
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const { body, headers } = await verify(k.secret);
      assert.equal(body.is_valid, true);
      assert.equal(headers['ratelimit-policy'], '"default";q=3;w=60');
      assert.equal(headers['retry-after'], undefined);
      seen.push([body.rate_limit_remaining, body.rate_limit_reset_time, headers.ratelimit]);
    }
    assert.deepEqual(seen, [
      ['2', new Date(T0 + 20_000).toISOString(), '"default";r=2;t=20'],
      ['1', new Date(T0 + 40_000).toISOString(), '"default";r=1;t=40'],
      ['0', new Date(T0 + 60_000).toISOString(), '"default";r=0;t=60'],
    ]);
    const { body, headers } = await verify(k.secret);
    assert.equal(body.is_valid, false);
    assert.equal(body.error_code, 'VERIFICATION_ERROR_RATE_LIMITED');
    assert.equal(body.key_id, k.id);
    assert.equal(body.status, 'KEY_STATUS_ACTIVE');
    assert.equal(body.rate_limit_remaining, '0');
    assert.equal(body.rate_limit_reset_time, new Date(T0 + 60_000).toISOString());
    assert.deepEqual([headers.ratelimit, headers['retry-after']], ['"default";r=0;t=60', '20']);
    // Exactly one unit comes back after T = 20 s.
    now = T0 + 20_000;
    assert.deepEqual(await codes(k.secret, 2), ['valid', 'VERIFICATION_ERROR_RATE_LIMITED']);
  });

  it('a key without a policy: no rate-limit headers or fields', async () => {
    const r = await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'free' });
    const { body, headers } = await verify(r.json().secret);
    assert.equal(body.is_valid, true);
    for (const h of ['ratelimit-policy', 'ratelimit', 'retry-after']) assert.equal(headers[h], undefined, h);
    assert.equal(body.rate_limit_remaining, undefined);
  });

  it('imported keys are limited the same way', async () => {
    const raw = `legacy-${T0}-rate-limited-imported-key`;
    const r = await t.call('POST', '/v2alpha1/admin/importedApiKeys', {
      raw_key: raw,
      name: 'imp',
      actor_id: 'a',
      rate_limit_policy: { quota: 2, window: '1h' },
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.deepEqual(await codes(raw, 3), ['valid', 'valid', 'VERIFICATION_ERROR_RATE_LIMITED']);
  });

  it('an IP refusal never consumes quota; a refused IP sees no rate-limit headers', async () => {
    const k = await issue({ ip_restriction: { allowed_cidrs: ['10.0.0.0/8'] }, rate_limit_policy: { quota: 2, window: '1h' } });
    for (let i = 0; i < 5; i++) {
      const { body, headers } = await verify(k.secret, { remoteAddress: '192.0.2.1' });
      assert.equal(body.error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
      assert.equal(headers.ratelimit, undefined);
    }
    assert.deepEqual(await codes(k.secret, 3, { remoteAddress: '10.1.2.3' }), ['valid', 'valid', 'VERIFICATION_ERROR_RATE_LIMITED']);
  });

  it('revoked and forged credentials consume nothing', async () => {
    const k = await issue({ rate_limit_policy: { quota: 1, window: '1h' } });
    const forged = k.secret.slice(0, -1) + (k.secret.endsWith('2') ? '3' : '2');
    assert.deepEqual(await codes(forged, 3), Array(3).fill('VERIFICATION_ERROR_NOT_FOUND'));
    assert.deepEqual(await codes(k.secret, 2), ['valid', 'VERIFICATION_ERROR_RATE_LIMITED']);
  });

  it('enforced on cache hits and misses alike (and with the cache skipped)', async () => {
    assert.equal((await config({ cache: { enabled: true, ttl: '5m' } })).statusCode, 200);
    try {
      const k = await issue({ rate_limit_policy: { quota: 4, window: '1h' } });
      const got = [];
      const none: Record<string, string> = {};
      for (const headers of [none, none, { 'cache-control': 'no-store' }, none, none]) {
        const r = await verify(k.secret, { headers });
        got.push(`${r.headers['ory-talos-cache']}:${r.body.error_code ?? r.body.rate_limit_remaining}`);
      }
      assert.deepEqual(got, ['MISS:3', 'HIT:2', 'SKIP:1', 'HIT:0', 'HIT:VERIFICATION_ERROR_RATE_LIMITED']);
    } finally {
      assert.equal((await config({ cache: { enabled: false } })).statusCode, 200);
    }
  });

  it('batch verify: each item consumes one unit of its own key, in order', async () => {
    const a = await issue({ rate_limit_policy: { quota: 2, window: '1h' } });
    const b = await issue({ rate_limit_policy: { quota: 1, window: '1h' } });
    const r = await t.call('POST', BATCH, { requests: [a.secret, b.secret, a.secret, a.secret, b.secret].map((credential) => ({ credential })) });
    assert.equal(r.statusCode, 200, r.body);
    const results = r.json().results as { error_code?: string; rate_limit_remaining?: string }[];
    assert.deepEqual(
      results.map((x) => x.error_code ?? `valid:${x.rate_limit_remaining}`),
      ['valid:1', 'valid:0', 'valid:0', 'VERIFICATION_ERROR_RATE_LIMITED', 'VERIFICATION_ERROR_RATE_LIMITED'],
    );
    assert.equal((await verify(a.secret)).body.error_code, 'VERIFICATION_ERROR_RATE_LIMITED', 'the batch spent the budget');
  });

  it('the project setting rate_limit.enabled=false turns enforcement off (policy header only); on again enforces', async () => {
    const k = await issue({ rate_limit_policy: { quota: 1, window: '1h' } });
    assert.equal((await config({ rate_limit: { enabled: false } })).statusCode, 200);
    try {
      for (let i = 0; i < 3; i++) {
        const { body, headers } = await verify(k.secret);
        assert.equal(body.is_valid, true);
        assert.equal(body.rate_limit_remaining, undefined);
        assert.deepEqual([headers['ratelimit-policy'], headers.ratelimit], ['"default";q=1;w=3600', undefined]);
      }
    } finally {
      assert.equal((await config({ rate_limit: { enabled: true } })).statusCode, 200);
    }
    assert.deepEqual(await codes(k.secret, 2), ['valid', 'VERIFICATION_ERROR_RATE_LIMITED']);
  });

  it('a plan without rate limiting: off by default, cannot be turned on (403), not enforced', async () => {
    const p = await createProject(t, 'rl-free', { plan: 'free' });
    assert.equal((await t.op('GET', `/operator/v1/projects/${p.id}/config`)).json().config.rate_limit.enabled, false);
    const denied = await config({ rate_limit: { enabled: true } }, p.id);
    assert.equal(denied.statusCode, 403, denied.body);
    const k = await issue({ rate_limit_policy: { quota: 1, window: '1h' } }, p.token);
    assert.deepEqual(await codes(k.secret, 3, { token: p.token }), ['valid', 'valid', 'valid']);
    // Upgrading to a plan with rate limiting turns it on; downgrading turns it off again.
    assert.equal((await t.op('PATCH', `/operator/v1/projects/${p.id}`, { plan: 'developer' })).statusCode, 200);
    assert.deepEqual(await codes(k.secret, 2, { token: p.token }), ['valid', 'VERIFICATION_ERROR_RATE_LIMITED']);
    assert.equal((await t.op('PATCH', `/operator/v1/projects/${p.id}`, { plan: 'free' })).statusCode, 200);
    assert.equal((await verify(k.secret, { token: p.token })).body.is_valid, true);
  });

  it('metrics: keysmith_ratelimit_decisions_total counts allowed and limited', async () => {
    const text = (await t.app.metrics.inject({ method: 'GET', url: '/metrics' })).body;
    const count = (d: string) => Number(new RegExp(`^keysmith_ratelimit_decisions_total\\{decision="${d}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    assert.ok(count('allowed') >= 10, text);
    assert.ok(count('limited') >= 6);
    assert.equal(count('fail_open'), 0);
  });
});

/** Redis configured but unreachable (a closed loopback port): fail open, one log line, a metric. */
describe('rate limits: Redis down → fail open', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { KEYSMITH_REDIS_URL: 'redis://127.0.0.1:1', KEYSMITH_REDIS_KEY_PREFIX: `ks-test-${process.pid}-${Date.now()}:` } });
  });
  after(() => t.close());

  it('admits every call without counting, logs one warning for the outage, counts fail_open', async () => {
    const r = await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'fo', rate_limit_policy: { quota: '1', window: '1h' } });
    const secret = r.json().secret as string;
    for (let i = 0; i < 5; i++) {
      const v = await t.call('POST', VERIFY, { credential: secret });
      assert.equal(v.json().is_valid, true);
      assert.equal(v.json().rate_limit_remaining, undefined, 'nothing counted, nothing reported');
      assert.deepEqual([v.headers['ratelimit-policy'], v.headers.ratelimit], ['"default";q=1;w=3600', undefined]);
    }
    const warnings = t.logs.lines.filter((l) => l.includes('rate limiter: Redis unreachable'));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.ok(!warnings[0].includes('redis://'), 'no URL in the log');
    const text = (await t.app.metrics.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, /^keysmith_ratelimit_decisions_total\{decision="fail_open"\} 5$/m);
  });
});

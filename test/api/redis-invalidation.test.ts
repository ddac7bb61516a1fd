import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { KeysmithApp } from '../../src/app.js';
import { type Backend, backendReachable } from '../helpers/databases.js';
import { tcpProxy } from '../helpers/tcp-proxy.js';
import { createTestApp, TEST_OPERATOR_TOKEN } from '../helpers/test-app.js';
import { callNode, type TwoApps, twoAppsOnOneDatabase, uniqueRedisPrefix } from '../helpers/two-apps.js';

/**
 * The Redis pub/sub invalidation bus (src/cache/redis-bus.ts): with `redis.url` set, two nodes on one
 * PostgreSQL *and* on one MariaDB push key changes and imports to each other through Redis — MariaDB
 * has no LISTEN, so there this is what keeps the 1 s revocation bound with full cache TTLs. A dropped
 * subscriber connection clears the node's caches (messages may have been lost).
 */
const REDIS_URL = process.env.KEYSMITH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TRIALS = 20;

async function redisReachable(): Promise<boolean> {
  const c = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 2000 } });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (c.isOpen) c.destroy();
  }
}

const redisUp = await redisReachable();
const ci = process.env.CI === 'true';

const verify = (node: KeysmithApp, credential: string) => callNode(node, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential });
const issue = async (node: KeysmithApp) => {
  const r = await callNode(node, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'redis-bus' });
  assert.equal(r.status, 201);
  return { secret: r.body.secret as string, id: r.body.issued_api_key.key_id as string };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP proxy to Redis that the test can cut (test/helpers/tcp-proxy.ts): an outage or a silent partition seen by one node only. */
async function redisProxy() {
  const target = new URL(REDIS_URL);
  const proxy = await tcpProxy(target.hostname, Number(target.port || 6379));
  return Object.assign(proxy, { url: `redis://127.0.0.1:${proxy.port}` });
}

// The API phases run once per backend: each runs its own variant (both when KEYSMITH_TEST_DB is unset).
const chosen = process.env.KEYSMITH_TEST_DB;
const backends: Backend[] = chosen ? (['postgres', 'mysql'] as Backend[]).filter((b) => b === chosen) : ['postgres', 'mysql'];

for (const backend of backends) {
  const up = redisUp && (await backendReachable(backend));
  const skip = up || ci ? false : `${backend} or Redis is unreachable (under CI=true this fails)`;

  describe(`Redis invalidation bus, two nodes on ${backend}`, { skip }, () => {
    let two: TwoApps;
    let proxy: Awaited<ReturnType<typeof redisProxy>>;
    before(async () => {
      // Node B reaches Redis through a proxy the last test cuts.
      proxy = await redisProxy();
      two = await twoAppsOnOneDatabase(backend, { KEYSMITH_REDIS_KEY_PREFIX: uniqueRedisPrefix() }, [
        { KEYSMITH_REDIS_URL: REDIS_URL },
        { KEYSMITH_REDIS_URL: proxy.url },
      ]);
      const [a] = two.nodes;
      const r = await callNode(
        a,
        'PATCH',
        `/operator/v1/projects/${a.bootstrap.projectId}/config`,
        { cache: { enabled: true, ttl: '5m' } },
        TEST_OPERATOR_TOKEN,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
    });
    after(async () => {
      await two?.close();
      await proxy?.close();
    });

    it(`a revoke on node A is honoured by node B's cache within 1 s (${TRIALS} trials)`, async () => {
      const [a, b] = two.nodes;
      const latencies: number[] = [];
      let hits = 0;
      for (let i = 0; i < TRIALS; i++) {
        const k = await issue(a);
        await verify(b, k.secret);
        const cached = await verify(b, k.secret);
        assert.equal(cached.body.is_valid, true);
        if (cached.cache === 'HIT') hits++;
        const revoked = await callNode(a, 'POST', `/v2alpha1/admin/issuedApiKeys/${k.id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' });
        assert.equal(revoked.status, 204);
        const t0 = performance.now();
        for (;;) {
          if ((await verify(b, k.secret)).body.error_code === 'VERIFICATION_ERROR_REVOKED') break;
          assert.ok(performance.now() - t0 < 3000, 'node B never saw the revocation');
          await sleep(2);
        }
        latencies.push(performance.now() - t0);
      }
      latencies.sort((x, y) => x - y);
      const max = latencies[latencies.length - 1];
      console.log(`${backend} + Redis: revocation seen on B, p50 ${latencies[TRIALS >> 1].toFixed(1)} ms, max ${max.toFixed(1)} ms; hits ${hits}/${TRIALS}`);
      assert.equal(hits, TRIALS, 'node B really served from its cache');
      assert.ok(max <= 1000, `max ${max.toFixed(1)} ms ≤ 1000 ms`);
    });

    it('entries live their full TTL: pushed invalidation replaces the 1 s cap', async () => {
      const [a, b] = two.nodes;
      const k = await issue(a);
      await verify(b, k.secret);
      await sleep(1200);
      assert.equal((await verify(b, k.secret)).cache, 'HIT');
    });

    it('a key imported on node A verifies on node B at once, after B built its negative cache', async () => {
      const [a, b] = two.nodes;
      for (let i = 0; i < 200; i++) assert.equal((await verify(b, randomBytes(24).toString('base64url'))).body.is_valid, false);
      await sleep(50); // the filter build finished
      assert.equal((await verify(b, randomBytes(24).toString('base64url'))).cache, 'HIT', 'unknown strings answered from memory');
      for (let i = 0; i < 10; i++) {
        const raw = `redis-import-${i}-${randomBytes(16).toString('hex')}`;
        const r = await callNode(a, 'POST', '/v2alpha1/admin/importedApiKeys', { raw_key: raw, name: 'r', actor_id: 'a' });
        assert.equal(r.status, 201);
        assert.equal((await verify(b, raw)).body.is_valid, true, `trial ${i}`);
      }
    });

    it('publishes the invalidation lag histogram', async () => {
      const m = await two.nodes[1].metrics.inject({ method: 'GET', url: '/metrics' });
      assert.match(m.body, /keysmith_cache_invalidation_lag_seconds_count\{kind="key"\} [1-9]/);
      assert.match(m.body, /keysmith_cache_invalidation_lag_seconds_count\{kind="hashes"\} [1-9]/);
    });

    /**
     * B caches two keys; its link to Redis is cut; B stops reading its cache (within `noticeWithinMs`,
     * not before `notBeforeMs`); a revoke on A meanwhile — which B never receives — is honoured by B;
     * the link comes back; B starts from an empty cache and caches again.
     */
    const outageThenRecovery = async (o: { what: string; cut(): void; restore(): void; noticeWithinMs: number; notBeforeMs?: number; holdMs?: number }) => {
      const [a, b] = two.nodes;
      const kept = await issue(a);
      const doomed = await issue(a);
      // B caches again (bounded wait: a scenario before this one may have just restored B's link).
      const t = performance.now();
      while ((await verify(b, kept.secret)).cache !== 'HIT') {
        assert.ok(performance.now() - t < 5000, 'B caches before the cut');
        await sleep(20);
      }
      await verify(b, doomed.secret);
      assert.equal((await verify(b, doomed.secret)).cache, 'HIT');
      try {
        o.cut();
        const t0 = performance.now();
        while ((await verify(b, kept.secret)).cache !== 'SKIP') {
          assert.ok(performance.now() - t0 < o.noticeWithinMs, `B noticed the ${o.what}`);
          await sleep(5);
        }
        const noticed = performance.now() - t0;
        if (o.notBeforeMs) assert.ok(noticed >= o.notBeforeMs, `not before ${o.notBeforeMs} ms (${Math.round(noticed)} ms)`);
        assert.equal(
          (await callNode(a, 'POST', `/v2alpha1/admin/issuedApiKeys/${doomed.id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' })).status,
          204,
        );
        const during = await verify(b, doomed.secret);
        assert.equal(during.body.error_code, 'VERIFICATION_ERROR_REVOKED', `the cache is not read during the ${o.what}`);
        assert.equal(during.cache, 'SKIP');
        if (o.holdMs) await sleep(o.holdMs);
        o.restore();
        const t1 = performance.now();
        let v = await verify(b, kept.secret);
        while (v.cache === 'SKIP') {
          assert.ok(performance.now() - t1 < 5000, `B recovered from the ${o.what}`);
          await sleep(5);
          v = await verify(b, kept.secret);
        }
        assert.equal(v.cache, 'MISS', 'after recovery the cache starts empty');
        assert.equal((await verify(b, doomed.secret)).body.error_code, 'VERIFICATION_ERROR_REVOKED');
        assert.equal((await verify(b, kept.secret)).cache, 'HIT', 'caching again');
      } finally {
        o.restore(); // also when an assertion failed midway: the next scenario needs the link back
      }
    };

    it('a silent partition (no byte through, connections open): B stops reading its cache after the 3 s heartbeat window, honours a revoke, clears when heartbeats return', () =>
      // Not before 2 s: the 3 s window counts from the last heartbeat B heard, which may precede the cut by
      // one 500 ms ping interval, plus timer lag on a loaded machine (2,484 ms was seen on a slow host).
      outageThenRecovery({ what: 'silence', cut: () => proxy.pause(), restore: () => proxy.resume(), noticeWithinMs: 6000, notBeforeMs: 2000 }));

    it('node B loses Redis: cache bypassed, a revoke published meanwhile is honoured, cache cleared on reconnect', () =>
      // holdMs: a few failed reconnects before the link comes back.
      outageThenRecovery({ what: 'outage', cut: () => proxy.down(), restore: () => proxy.up(), noticeWithinMs: 2000, holdMs: 700 }));
  });
}

describe('Redis unreachable at start', () => {
  it('the node still starts (within the 2 s connect wait), serves from the database and imports keys', async () => {
    const t0 = performance.now();
    const t = await createTestApp({ env: { KEYSMITH_REDIS_URL: 'redis://127.0.0.1:1', KEYSMITH_REDIS_KEY_PREFIX: uniqueRedisPrefix() } });
    try {
      assert.ok(performance.now() - t0 < 15_000);
      const k = (await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'x' })).json();
      const v = await t.call('POST', '/v2alpha1/admin/apiKeys:verify', { credential: k.secret });
      assert.equal(v.json().is_valid, true);
      assert.equal(v.headers['ory-talos-cache'], 'SKIP', 'no cache without a working bus');
      const raw = `redis-down-${randomBytes(12).toString('hex')}`;
      assert.equal((await t.call('POST', '/v2alpha1/admin/importedApiKeys', { raw_key: raw, name: 'i', actor_id: 'a' })).statusCode, 201);
      assert.equal((await t.call('POST', '/v2alpha1/admin/apiKeys:verify', { credential: raw })).json().is_valid, true);
      assert.match(t.logs.text(), /cache invalidation bus \(Redis\) not connected yet/);
    } finally {
      await t.close();
    }
  });
});

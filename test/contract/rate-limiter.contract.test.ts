import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createClient } from 'redis';
import { type GcraPolicy, type GcraState, gcra } from '../../src/ratelimit/gcra.js';
import { MemoryRateLimiter } from '../../src/ratelimit/memory-rate-limiter.js';
import type { RateLimitDecision, RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { GCRA_LUA } from '../../src/ratelimit/redis-gcra-script.js';
import { RedisRateLimiter } from '../../src/ratelimit/redis-rate-limiter.js';
import { REDIS_URL, redisGate, uniqueRedisPrefix } from '../helpers/redis.js';

/**
 * RateLimiter contract: the same cases on the in-process and the Redis adapter, plus what only Redis
 * has (the Lua script agreeing with gcra.ts, key layout and expiry, NOSCRIPT, outages). Redis at
 * 127.0.0.1:6379 (KEYSMITH_TEST_REDIS_URL); skipped locally when down, a failure under CI=true.
 */
const T0 = 1_800_000_000_000;
const uniquePrefix = uniqueRedisPrefix;

const gate = await redisGate();
const silent = pino({ level: 'silent' });
const plain = (d: RateLimitDecision) => (d.decision === 'fail_open' ? d : { ...d });

const ADAPTERS: { name: string; needsRedis: boolean; make(): RateLimiter }[] = [
  { name: 'memory', needsRedis: false, make: () => new MemoryRateLimiter() },
  { name: 'redis', needsRedis: true, make: () => new RedisRateLimiter(REDIS_URL, uniquePrefix(), silent).start() },
];

for (const adapter of ADAPTERS) {
  describe(`RateLimiter contract: ${adapter.name}`, { skip: adapter.needsRedis && gate.skip }, () => {
    if (adapter.needsRedis && gate.failure) {
      const failure = gate.failure;
      it('Redis is reachable', () => assert.fail(failure));
      return;
    }
    let rl: RateLimiter;
    before(async () => {
      rl = adapter.make();
      if (rl instanceof RedisRateLimiter) await rl.ready(2000);
    });
    after(() => rl.close());
    const policy = { quota: 10, windowMs: 60_000 };

    it('quota 10 per 60 s: 10 at once, the 11th refused (consuming nothing), one more after exactly T', async () => {
      const got: RateLimitDecision[] = [];
      for (let i = 0; i < 12; i++) got.push(await rl.consume('p1', 'burst', policy, T0));
      assert.deepEqual(
        got.map((d) => d.decision),
        [...Array(10).fill('allowed'), 'limited', 'limited'],
      );
      assert.deepEqual(plain(got[0]), { decision: 'allowed', remaining: 9, resetAt: T0 + 6000, retryAfterMs: 0 });
      assert.deepEqual(plain(got[11]), { decision: 'limited', remaining: 0, resetAt: T0 + 60_000, retryAfterMs: 6000 });
      assert.equal((await rl.consume('p1', 'burst', policy, T0 + 5999)).decision, 'limited');
      assert.deepEqual(plain(await rl.consume('p1', 'burst', policy, T0 + 6000)), {
        decision: 'allowed',
        remaining: 0,
        resetAt: T0 + 66_000,
        retryAfterMs: 0,
      });
    });

    it('every step agrees with gcra.ts over a long random walk (odd quotas, policy changes, idle gaps)', async () => {
      let seed = 42;
      const rand = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed % n;
      };
      const policies: GcraPolicy[] = [
        { quota: 7, windowMs: 60_000 },
        { quota: 3, windowMs: 1000 },
        { quota: 1000, windowMs: 999 },
        { quota: 9, windowMs: 86_400_000 },
        { quota: 2, windowMs: 1500.5 },
      ];
      let state: GcraState | undefined;
      let now = T0;
      let p = policies[0];
      for (let i = 0; i < 400; i++) {
        if (rand(40) === 0) p = policies[rand(policies.length)];
        now += [0, 0, 1, 7, 143, 8571, 60_000][rand(7)];
        const want = gcra(state, now, p);
        state = want.state;
        const got = await rl.consume('p1', 'walk', p, now);
        assert.deepEqual(
          plain(got),
          { decision: want.allowed ? 'allowed' : 'limited', remaining: want.remaining, resetAt: want.resetAt, retryAfterMs: want.retryAfterMs },
          `step ${i}`,
        );
      }
    });

    it('budgets are per key and per project: another project sees nothing of this one', async () => {
      const one = { quota: 1, windowMs: 3_600_000 };
      assert.equal((await rl.consume('p-a', 'shared-id', one, T0)).decision, 'allowed');
      assert.equal((await rl.consume('p-a', 'shared-id', one, T0)).decision, 'limited');
      assert.equal((await rl.consume('p-a', 'other-key', one, T0)).decision, 'allowed');
      assert.equal((await rl.consume('p-b', 'shared-id', one, T0)).decision, 'allowed', 'another project');
    });
  });
}

describe('Redis adapter only', { skip: gate.skip }, () => {
  if (gate.failure) {
    const failure = gate.failure;
    it('Redis is reachable', () => assert.fail(failure));
    return;
  }
  const prefix = uniquePrefix();
  let rl: RedisRateLimiter;
  let redis: ReturnType<typeof createClient>;
  before(async () => {
    rl = new RedisRateLimiter(REDIS_URL, prefix, silent).start();
    await rl.ready(2000);
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });
  after(async () => {
    await rl.close();
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
    await redis.close();
  });

  it('the Lua script and gcra.ts agree on a table of stored states (raw EVAL)', async () => {
    const MAX = Number.MAX_SAFE_INTEGER;
    const cases: [string, GcraState | null, number, GcraPolicy][] = [
      ['fresh', null, T0, { quota: 10, windowMs: 60_000 }],
      ['mid-burst, exact T', { tat: T0 + 54_000, rem: 0, quota: 10 }, T0, { quota: 10, windowMs: 60_000 }],
      ['full: refused', { tat: T0 + 60_000, rem: 0, quota: 10 }, T0, { quota: 10, windowMs: 60_000 }],
      ['fraction: refused by rem', { tat: T0 + 51_428, rem: 4, quota: 7 }, T0, { quota: 7, windowMs: 60_000 }],
      ['fraction: allowed on the boundary', { tat: T0 + 51_428, rem: 4, quota: 7 }, T0 + 1, { quota: 7, windowMs: 60_000 }],
      ['TAT in the past', { tat: T0 - 5, rem: 6, quota: 7 }, T0, { quota: 7, windowMs: 60_000 }],
      ['TAT = now, rem 0', { tat: T0, rem: 0, quota: 7 }, T0, { quota: 7, windowMs: 60_000 }],
      ['quota changed', { tat: T0 + 8571, rem: 3, quota: 7 }, T0, { quota: 2, windowMs: 60_000 }],
      ['huge quota, 10 y', { tat: T0 + 35, rem: MAX - 3, quota: MAX }, T0, { quota: MAX, windowMs: 315_360_000_000 }],
      ['sub-ms T', { tat: T0 + 998, rem: 999, quota: 1000 }, T0, { quota: 1000, windowMs: 999 }],
    ];
    for (const [name, state, now, policy] of cases) {
      const key = `${prefix}raw:${name}`;
      await redis.del(key);
      if (state) await redis.set(key, `${state.tat} ${state.rem} ${state.quota}`);
      const reply = (await redis.eval(GCRA_LUA, { keys: [key], arguments: [String(now), String(policy.quota), String(Math.ceil(policy.windowMs))] })) as [
        number,
        string,
        string,
      ];
      const want = gcra(state, now, policy);
      assert.deepEqual([reply[0] === 1, Number(reply[1]), Number(reply[2])], [want.allowed, want.state.tat, want.state.rem], name);
      if (want.allowed) assert.equal(await redis.get(key), `${want.state.tat} ${want.state.rem} ${policy.quota}`, `${name}: stored`);
    }
  });

  it('key <prefix>rl:<projectId>:<keyId>, expiring when its TAT is reached', async () => {
    await rl.consume('proj', 'kid', { quota: 10, windowMs: 60_000 }, T0);
    const ttl = await redis.pTTL(`${prefix}rl:proj:kid`);
    assert.ok(ttl > 5000 && ttl <= 6000, `PTTL ${ttl}`);
  });

  it('NOSCRIPT (script cache flushed): falls back to EVAL once, then EVALSHA works again', async () => {
    const p = { quota: 2, windowMs: 60_000 };
    assert.equal((await rl.consume('proj', 'flush', p, T0)).decision, 'allowed');
    await redis.scriptFlush();
    assert.equal((await rl.consume('proj', 'flush', p, T0)).decision, 'allowed');
    assert.equal((await rl.consume('proj', 'flush', p, T0)).decision, 'limited');
  });
});

describe('Redis adapter: Redis down → fail open', () => {
  it('every call is fail_open at once; one warning line for the outage, no URL in it', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    const rl = new RedisRateLimiter('redis://user:s3cret-pw@127.0.0.1:1', uniquePrefix(), pino({ level: 'info' }, stream)).start();
    try {
      const started = performance.now();
      for (let i = 0; i < 20; i++) assert.deepEqual(await rl.consume('p', 'k', { quota: 1, windowMs: 1000 }, T0), { decision: 'fail_open' });
      await new Promise((r) => setTimeout(r, 300)); // reconnect attempts fail in the background meanwhile
      assert.deepEqual(await rl.consume('p', 'k', { quota: 1, windowMs: 1000 }, T0), { decision: 'fail_open' });
      assert.ok(performance.now() - started < 1500, 'no call waited for a connection');
      const warnings = lines.filter((l) => l.includes('Redis unreachable'));
      assert.equal(warnings.length, 1, lines.join('\n'));
      assert.ok(!lines.join('\n').includes('s3cret-pw'), 'no password in the log');
    } finally {
      await rl.close();
    }
  });
});

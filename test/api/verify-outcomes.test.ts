import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../src/shared/clock.js';
import { selectedBackend } from '../helpers/databases.js';
import { createTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/test-app.js';

/**
 * Issue 6, "table-driven verify outcomes": every verification error code a stored key can produce, for
 * issued and imported keys, answered once from the store (MISS) and once from the cache (HIT) — the
 * same code both times. By design, EXPIRED never comes from a cache hit (an entry lives at most until the
 * key's expiry), nor does anything for a credential whose possession was not proven (INVALID_FORMAT, a
 * forged issued key); an unknown imported key is answered by the negative cache.
 */
describe('verify outcomes × cache hit and miss × issued and imported', () => {
  let t: TestApp;
  let now = Date.parse('2026-11-27T08:00:00Z');
  const clock: Clock = { now: () => now };
  before(async () => {
    t = await createTestApp({ clock });
    const r = await t.op('PATCH', `/operator/v1/projects/${t.app.bootstrap.projectId}/config`, {
      cache: { enabled: true, ttl: '5m' },
      rate_limit: { enabled: true },
    });
    assert.equal(r.statusCode, 200, r.body);
  });
  after(() => t.close());

  type Kind = 'issued' | 'imported';
  /** Creates a key of the kind; returns its credential and the id used to revoke it. */
  const create = async (kind: Kind, body: Record<string, unknown> = {}) => {
    if (kind === 'issued') {
      const r = await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'o', ...body });
      assert.equal(r.statusCode, 201, r.body);
      return { credential: r.json().secret as string, id: r.json().issued_api_key.key_id as string };
    }
    const raw = `legacy_${randomBytes(16).toString('hex')}`;
    const r = await t.call('POST', '/v2alpha1/admin/importedApiKeys', { raw_key: raw, name: 'o', actor_id: 'a', ...body });
    assert.equal(r.statusCode, 201, r.body);
    return { credential: raw, id: r.json().key_id as string };
  };
  const verify = async (credential: string, remoteAddress = '127.0.0.1') => {
    const r = await t.app.api.inject({
      method: 'POST',
      url: '/v2alpha1/admin/apiKeys:verify',
      remoteAddress,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ credential }),
    });
    assert.equal(r.statusCode, 200, r.body);
    const b = r.json();
    return { code: (b.is_valid ? 'VALID' : b.error_code) as string, cache: r.headers['ory-talos-cache'] as string };
  };

  /** Key messages this node has received over the invalidation bus (PostgreSQL's NOTIFY here; SQLite's bus is in-process and synchronous). */
  const keyMessagesReceived = async (): Promise<number> => {
    const m = await t.app.metrics.inject({ method: 'GET', url: '/metrics' });
    return Number(/keysmith_cache_invalidation_lag_seconds_count\{kind="key"\} (\d+)/.exec(m.body)?.[1] ?? 0);
  };
  const waitForKeyMessage = async (before: number): Promise<void> => {
    if (selectedBackend() !== 'postgres') return; // nothing comes back later: in-process (SQLite), or no bus (MySQL without Redis)
    for (let i = 0; i < 200 && (await keyMessagesReceived()) === before; i++) await new Promise((r) => setTimeout(r, 5));
  };

  interface Case {
    name: string;
    /** Sets the key up and returns the credential to verify. */
    make(kind: Kind): Promise<string>;
    code: string;
    /** Cache status of the first and second verify. */
    cache: [string, string];
    remote?: string;
  }
  const cases: Case[] = [
    { name: 'valid', make: async (k) => (await create(k)).credential, code: 'VALID', cache: ['MISS', 'HIT'] },
    {
      name: 'revoked',
      make: async (k) => {
        const key = await create(k);
        assert.equal((await verify(key.credential)).code, 'VALID'); // cached while valid…
        const seen = await keyMessagesReceived();
        const r = await t.call('POST', `/v2alpha1/admin/apiKeys/${key.id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' });
        assert.equal(r.statusCode, 204, r.body); // …and invalidated by the revoke
        // The revoke's own bus message comes back to this node a moment later and invalidates once more:
        // wait for it, or it could land between the MISS and the HIT below (PostgreSQL's NOTIFY).
        await waitForKeyMessage(seen);
        return key.credential;
      },
      code: 'VERIFICATION_ERROR_REVOKED',
      cache: ['MISS', 'HIT'],
    },
    {
      name: 'IP not allowed',
      make: async (k) => (await create(k, { ip_restriction: { allowed_cidrs: ['10.0.0.0/8'] } })).credential,
      code: 'VERIFICATION_ERROR_IP_NOT_ALLOWED',
      cache: ['MISS', 'HIT'],
    },
    {
      name: 'rate limited',
      make: async (k) => {
        const key = await create(k, { rate_limit_policy: { quota: 1, window: '1h' } });
        assert.equal((await verify(key.credential)).code, 'VALID'); // the one call the policy allows (a MISS)
        return key.credential;
      },
      code: 'VERIFICATION_ERROR_RATE_LIMITED',
      cache: ['HIT', 'HIT'],
    },
    {
      name: 'expired (never served from the cache: an entry ends at the key’s expiry)',
      make: async (k) => {
        const key = await create(k, { ttl: '60s' });
        assert.equal((await verify(key.credential)).code, 'VALID');
        now += 61_000;
        return key.credential;
      },
      code: 'VERIFICATION_ERROR_EXPIRED',
      cache: ['MISS', 'MISS'],
    },
  ];
  // NOT_FOUND: a forged issued key fails its checksum before any cache (SKIP); an unknown imported key is
  // answered by the negative cache (ADR 0009: the project's hash filter, or the miss list) — HIT at the
  // latest on the second try, and never a database read once the filter is built.
  const notFound = (kind: Kind): Case => ({
    name: 'not found',
    make: async (k) => {
      const key = await create(k);
      return k === 'issued' ? `${key.credential.slice(0, -4)}1111` : `${key.credential}x`;
    },
    code: 'VERIFICATION_ERROR_NOT_FOUND',
    cache: kind === 'issued' ? ['SKIP', 'SKIP'] : ['HIT', 'HIT'],
  });

  for (const kind of ['issued', 'imported'] as const)
    for (const c of [...cases, notFound(kind)])
      it(`${kind}: ${c.name} → ${c.code}, ${c.cache.join(' then ')}`, async () => {
        const credential = await c.make(kind);
        const first = await verify(credential, c.remote);
        const second = await verify(credential, c.remote);
        assert.deepEqual([first.code, second.code], [c.code, c.code]);
        if (kind === 'imported' && c.code === 'VERIFICATION_ERROR_NOT_FOUND') {
          if (selectedBackend() === 'mysql') {
            // MySQL without Redis: no bus to keep a negative cache true across nodes, so there is none.
            assert.deepEqual([first.cache, second.cache], ['MISS', 'MISS']);
          } else {
            assert.ok(['MISS', 'HIT'].includes(first.cache), first.cache); // MISS only while the filter is being built
            assert.equal(second.cache, 'HIT');
          }
        } else assert.deepEqual([first.cache, second.cache], c.cache);
      });

  it('an empty credential is INVALID_FORMAT and never touches the cache', async () => {
    assert.deepEqual(await verify(''), { code: 'VERIFICATION_ERROR_INVALID_FORMAT', cache: 'SKIP' });
  });
});

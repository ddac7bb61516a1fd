import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyCache } from '../../src/cache/key-cache.js';
import { FrozenClock } from '../../src/shared/clock.js';
import type { KeyRecord } from '../../src/store/records.js';

const record = (keyId = randomUUID()): KeyRecord => ({
  keyId,
  kind: 'issued',
  name: 'k',
  actorId: null,
  scopes: [],
  metadata: {},
  status: 'active',
  visibility: 'secret',
  tokenPrefix: 'ks_ak',
  lookupHash: null,
  createdAt: 0,
  updatedAt: 0,
  expiresAt: null,
  lastUsedAt: null,
  rateLimit: null,
  allowedCidrs: [],
  revocationReason: null,
  revocationDescription: null,
  requestId: null,
});

/**
 * The race behind the revocation bound: a lookup reads the (still active) row, the revoke commits on
 * another node and its invalidation arrives here, then the lookup stores what it read. The ticket
 * taken before the read makes that store a no-op.
 */
describe('KeyCache tickets', () => {
  const P = 'p';
  it('a set whose read an invalidation overtook stores nothing; an untouched one stores', () => {
    const cache = new KeyCache(100, new FrozenClock(0));
    const k = record();
    const ticket = cache.ticket();
    cache.invalidate(P, k.keyId); // the revoke's message, while our read was in flight
    cache.set(P, k, 60_000, undefined, ticket);
    assert.equal(cache.get(P, k.keyId), undefined, 'the pre-revocation row was not cached');
    cache.set(P, k, 60_000, undefined, cache.ticket());
    assert.equal(cache.get(P, k.keyId)?.keyId, k.keyId);
  });

  it('clear (bus reset) and invalidateProject overtake reads too; no ticket = no check', () => {
    const cache = new KeyCache(100, new FrozenClock(0));
    for (const overtake of [() => cache.clear(), () => cache.invalidateProject(P)]) {
      const k = record();
      const ticket = cache.ticket();
      overtake();
      cache.set(P, k, 60_000, undefined, ticket);
      assert.equal(cache.get(P, k.keyId), undefined);
    }
    const k = record();
    cache.invalidate(P, randomUUID());
    cache.set(P, k, 60_000);
    assert.equal(cache.get(P, k.keyId)?.keyId, k.keyId);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyCache } from '../../src/cache/key-cache.js';
import { ValueInterner } from '../../src/cache/value-interner.js';
import { FrozenClock } from '../../src/shared/clock.js';
import type { VerifiableKey } from '../../src/store/records.js';

const key = (keyId: string, extra: Partial<VerifiableKey> = {}): VerifiableKey => ({
  keyId,
  kind: 'issued',
  actorId: 'a',
  scopes: ['read', 'write'],
  metadata: { team: 't1', n: { deep: true } },
  status: 'active',
  visibility: 'secret',
  lookupHash: null,
  expiresAt: null,
  rateLimit: null,
  allowedCidrs: [],
  ...extra,
});

describe('KeyCache keyed by key_id', () => {
  it('an entry is only ever seen by its own project, and only that project can invalidate it', () => {
    const c = new KeyCache(10, new FrozenClock(0));
    c.set('p1', key('k1'), 60_000);
    assert.equal(c.get('p2', 'k1'), undefined, 'another project: miss');
    assert.equal(c.get('p1', 'k1')?.keyId, 'k1');
    c.invalidate('p2', 'k1');
    assert.ok(c.get('p1', 'k1'), "another project's invalidation leaves it");
    c.invalidate('p1', 'k1');
    assert.equal(c.get('p1', 'k1'), undefined);
  });

  it('by hash: only within the project; invalidateProject removes only that project', () => {
    const c = new KeyCache(10, new FrozenClock(0));
    c.set('p1', key('k1', { kind: 'imported', lookupHash: 'h1' }), 60_000, 'h1');
    c.set('p2', key('k2'), 60_000);
    assert.equal(c.getByHash('p2', 'h1'), undefined);
    assert.equal(c.getByHash('p1', 'h1')?.keyId, 'k1');
    c.invalidateProject('p1');
    assert.equal(c.getByHash('p1', 'h1'), undefined);
    assert.ok(c.get('p2', 'k2'));
  });

  it('keeps only the verifiable fields, shares equal values frozen, and expires on its clock', () => {
    const clock = new FrozenClock(0);
    const c = new KeyCache(10, clock);
    c.set('p1', { ...key('k1'), name: 'secret-ish name', requestId: 'r' } as VerifiableKey, 1000);
    c.set('p1', key('k2'), 1000);
    const a = c.get('p1', 'k1') as VerifiableKey & { name?: string };
    const b = c.get('p1', 'k2') as VerifiableKey;
    assert.equal(a.name, undefined, 'fields verify does not read are not kept');
    assert.equal(a.scopes, b.scopes, 'equal scope sets are one instance');
    assert.equal(a.metadata, b.metadata);
    assert.throws(() => (a.scopes as string[]).push('admin'), TypeError, 'shared values are frozen');
    assert.throws(() => {
      (a.metadata.n as { deep: boolean }).deep = false;
    }, TypeError);
    clock.advance(1000);
    assert.equal(c.get('p1', 'k1'), undefined);
  });
});

describe('ValueInterner', () => {
  it('equal contents share one frozen copy; the caller’s own value is not frozen', () => {
    const i = new ValueInterner(10);
    const mine = ['a', 'b'];
    const x = i.list(mine);
    assert.equal(i.list(['a', 'b']), x);
    assert.notEqual(i.list(['a', 'c']), x);
    assert.ok(Object.isFrozen(x));
    assert.ok(!Object.isFrozen(mine));
    assert.equal(i.json({ z: 1 }), i.json({ z: 1 }));
    assert.notEqual(i.json({ z: 1 }), i.json({ z: 2 }));
  });
});

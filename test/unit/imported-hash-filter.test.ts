import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { type HashScanner, ImportedHashFilters } from '../../src/cache/imported-hash-filter.js';
import { FrozenClock } from '../../src/shared/clock.js';

const hash = () => randomBytes(32).toString('hex');
const P = 'project-a';

/** A project's lookup hashes, scanned the way the store does (ascending keyset pages), counting pages. */
class Hashes implements HashScanner {
  readonly set = new Set<string>();
  scans = 0;
  gate: Promise<void> | null = null;
  async scanLookupHashes(after: string | null, limit: number): Promise<string[]> {
    this.scans++;
    if (this.gate) await this.gate;
    return [...this.set]
      .sort()
      .filter((h) => after === null || h > after)
      .slice(0, limit);
  }
}

const settle = () => new Promise((r) => setImmediate(r));

/** Negative caching (ADR 0009): the per-project filter, its build, its invalidation and the miss list. */
describe('ImportedHashFilters', () => {
  it('until built: ask the store; once built: unknown → absent, known (either hash) → ask the store', async () => {
    const store = new Hashes();
    const known = Array.from({ length: 50 }, hash);
    for (const h of known) store.set.add(h);
    const f = new ImportedHashFilters(1 << 20, new FrozenClock(0));
    assert.equal(f.absent(P, [hash(), hash()], store), false, 'no filter yet');
    await settle();
    assert.equal(store.scans, 1, 'one page built it');
    let absent = 0;
    for (let i = 0; i < 1000; i++) if (f.absent(P, [hash(), hash()], store)) absent++;
    assert.ok(absent >= 960, `≥ 96 % of random strings answered from memory (${absent})`);
    for (const h of known) {
      assert.equal(f.absent(P, [h, hash()], store), false, 'tenant hash');
      assert.equal(f.absent(P, [hash(), h], store), false, 'legacy hash');
    }
    assert.equal(store.scans, 1, 'never rebuilt');
    assert.equal(f.absent('project-b', [known[0], hash()], store), false, 'another project has its own (unbuilt) filter');
  });

  it('an add — local import or bus message — is found at once, also when it lands during the build', async () => {
    const store = new Hashes();
    const f = new ImportedHashFilters(1 << 20, new FrozenClock(0));
    let open!: () => void;
    store.gate = new Promise((r) => (open = r));
    f.absent(P, [hash(), hash()], store); // starts the build, blocked in the scan
    const during = hash();
    f.add(P, [during]); // committed after the scan passed it: only the message knows it
    open();
    await settle();
    await settle();
    assert.equal(f.absent(P, [during, hash()], store), false, 'added during the build');
    const later = hash();
    assert.equal(f.absent(P, [later, hash()], store), true);
    f.add(P, [later]);
    assert.equal(f.absent(P, [later, hash()], store), false, 'added after the build');
  });

  it('clear (bus reset) drops the filters and discards a build in flight', async () => {
    const store = new Hashes();
    const f = new ImportedHashFilters(1 << 20, new FrozenClock(0));
    let open!: () => void;
    store.gate = new Promise((r) => (open = r));
    f.absent(P, [hash(), hash()], store);
    f.clear();
    const k = hash();
    store.set.add(k); // imported while the bus was down: no message will ever arrive
    open();
    await settle();
    store.gate = null;
    assert.equal(f.absent(P, [k, hash()], store), false, 'the stale build was not installed');
    await settle();
    assert.equal(f.absent(P, [k, hash()], store), false, 'the rebuild scanned it');
    assert.equal(f.absent(P, [hash(), hash()], store), true);
  });

  it('misses: remembered per exact hash for a while, forgotten on any import or across one', async () => {
    const clock = new FrozenClock(0);
    const f = new ImportedHashFilters(1 << 20, clock);
    const store = new Hashes();
    store.gate = new Promise(() => {}); // never built: only the miss list answers
    const h = hash();
    f.noteMiss(P, h, f.ticket());
    assert.equal(f.absent(P, [h, hash()], store), true);
    clock.advance(31_000);
    assert.equal(f.absent(P, [h, hash()], store), false, 'expired');
    f.noteMiss(P, h, f.ticket());
    f.add(P, [hash()]);
    assert.equal(f.absent(P, [h, hash()], store), false, 'an import in the project forgets the misses');
    const ticket = f.ticket();
    f.add(P, [h]); // imported while the lookup that missed it was in flight
    f.noteMiss(P, h, ticket);
    assert.equal(f.absent(P, [h, hash()], store), false, 'a miss observed across an import is not remembered');
  });

  it('a project too big for the byte budget gets no filter (lookups go to the store); budget 0 disables', async () => {
    const store = new Hashes();
    for (let i = 0; i < 2000; i++) store.set.add(hash());
    const f = new ImportedHashFilters(1024, new FrozenClock(0));
    f.absent(P, [hash(), hash()], store);
    await settle();
    assert.equal(f.absent(P, [hash(), hash()], store), false);
    assert.equal(f.totalBytes, 0);
    const off = new ImportedHashFilters(0, new FrozenClock(0));
    assert.equal(off.absent(P, [hash(), hash()], store), false);
    await settle();
    assert.equal(off.absent(P, [hash(), hash()], store), false);
  });

  it('evicts the least recently used project to stay within the budget', async () => {
    const store = new Hashes();
    const f = new ImportedHashFilters(2000, new FrozenClock(0)); // room for one 1024-entry filter (~1.2 KB)
    for (const p of ['a', 'b']) {
      f.absent(p, [hash(), hash()], store);
      await settle();
    }
    assert.ok(f.totalBytes <= 2000, `${f.totalBytes} bytes`);
    assert.equal(f.absent('b', [hash(), hash()], store), true, 'the latest project is filtered');
  });

  it('a lost message is repaired by the rebuild after 10 minutes (the old filter answers meanwhile)', async () => {
    const clock = new FrozenClock(0);
    const store = new Hashes();
    const f = new ImportedHashFilters(1 << 20, clock);
    f.absent(P, [hash(), hash()], store);
    await settle();
    const lost = hash();
    store.set.add(lost); // imported on a node whose message never arrived
    assert.equal(f.absent(P, [lost, hash()], store), true);
    clock.advance(600_001);
    assert.equal(f.absent(P, [lost, hash()], store), true, 'the old filter answers while the rebuild runs');
    await settle();
    assert.equal(f.absent(P, [lost, hash()], store), false, 'rebuilt from the store');
    assert.equal(store.scans, 2);
  });

  it('a failed build falls back to the store and retries later', async () => {
    const clock = new FrozenClock(0);
    const f = new ImportedHashFilters(1 << 20, clock);
    let fail = true;
    const store: HashScanner = {
      scanLookupHashes: async () => {
        if (fail) throw new Error('down');
        return [];
      },
    };
    assert.equal(f.absent(P, [hash(), hash()], store), false);
    await settle();
    fail = false;
    assert.equal(f.absent(P, [hash(), hash()], store), false, 'no retry within a second');
    await settle();
    clock.advance(1001);
    f.absent(P, [hash(), hash()], store);
    await settle();
    assert.equal(f.absent(P, [hash(), hash()], store), true, 'rebuilt');
  });
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { BloomFilter, fingerprintOf } from '../../src/cache/bloom-filter.js';

const randomHash = () => randomBytes(32).toString('hex');

/** The negative-cache filter's data structure (ADR 0009): no false negatives, the false-positive rate it was sized for. */
describe('BloomFilter', () => {
  it('has no false negatives over 100,000 inserts, and its false-positive rate is within 2× of the 1 % target', () => {
    const n = 100_000;
    const filter = new BloomFilter(n, 0.01);
    const inserted = Array.from({ length: n }, randomHash);
    for (const h of inserted) filter.add(fingerprintOf(h));
    for (const h of inserted) assert.ok(filter.has(fingerprintOf(h)), 'no false negative');
    let fp = 0;
    const probes = 200_000;
    for (let i = 0; i < probes; i++) if (filter.has(fingerprintOf(randomHash()))) fp++;
    const rate = fp / probes;
    assert.ok(rate <= 0.02, `false-positive rate ${(rate * 100).toFixed(2)} % ≤ 2 %`);
    assert.ok(rate > 0.002, `the filter really is a filter, not all-zero (${(rate * 100).toFixed(2)} %)`);
  });

  it('is sized from capacity and rate: 1,000,000 entries at 1 % take ~1.2 MB with k = 7', () => {
    const f = new BloomFilter(1_000_000, 0.01);
    assert.ok(f.bytes > 1_150_000 && f.bytes < 1_250_000, `${f.bytes} bytes`);
    assert.equal(f.k, 7);
    assert.ok(new BloomFilter(0).bytes >= 8, 'a zero capacity still makes a usable filter');
  });

  it('add reports whether anything changed; overfilling raises false positives, never false negatives', () => {
    const f = new BloomFilter(100, 0.01);
    const h = randomHash();
    assert.equal(f.add(fingerprintOf(h)), true);
    assert.equal(f.add(fingerprintOf(h)), false, 'the same entry twice changes nothing');
    const many = Array.from({ length: 5000 }, randomHash);
    for (const x of many) f.add(fingerprintOf(x));
    for (const x of many) assert.ok(f.has(fingerprintOf(x)));
  });

  it('fingerprints: hex digests by their first 64 bits, case-insensitive; anything else is digested first', () => {
    const h = randomHash();
    assert.deepEqual(fingerprintOf(h.toUpperCase()), fingerprintOf(h));
    assert.deepEqual(fingerprintOf('00000001ffffffff'), { h1: 1, h2: 0xffffffff });
    const odd = 'not-hex-at-all';
    const d = createHash('sha256').update(odd).digest('hex');
    assert.deepEqual(fingerprintOf(odd), fingerprintOf(d));
    for (const hostile of ['', '\u0000', 'x'.repeat(65_536), '\r\n', '😀']) assert.equal(typeof new BloomFilter(10).has(fingerprintOf(hostile)), 'boolean');
  });

  it('probe indexes stay in range for extreme fingerprints', () => {
    const f = new BloomFilter(10);
    for (const fp of [
      { h1: 0, h2: 0 },
      { h1: 0xffffffff, h2: 0xffffffff },
      { h1: 0xfffffffe, h2: 0xfffffffe },
    ]) {
      f.add(fp);
      assert.ok(f.has(fp));
    }
  });
});

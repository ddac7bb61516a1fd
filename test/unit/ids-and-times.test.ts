import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { monotonicUuidV7, uuidV7 } from '../../src/shared/ids.js';
import { httpDate, isoTimestamp, rfc3339 } from '../../src/shared/time-format.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('time-ordered ids', () => {
  it('monotonicUuidV7: 5,000 ids in one millisecond (many refills of the random pool) are valid, strictly increasing and unrelated', () => {
    const next = monotonicUuidV7();
    const ids = Array.from({ length: 5000 }, () => next(1_795_000_000_000));
    for (const id of ids) assert.match(id, UUID_V7);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} < ${ids[i]}`);
    // The 62 random bits after the variant: no two alike (a reused pool slice would repeat them).
    const tails = new Set(ids.map((id) => id.slice(19)));
    assert.equal(tails.size, ids.length);
  });

  it('uuidV7 encodes the millisecond in the first 48 bits', () => {
    const id = uuidV7(0x0123_4567_89ab, Buffer.alloc(10));
    assert.equal(id, '01234567-89ab-7000-8000-000000000000');
  });
});

describe('rfc3339', () => {
  it('formats like toISOString, also when the same and different instants alternate; null and undefined stay undefined', () => {
    const values = [0, 1_795_000_000_123, 1_795_000_000_123, 1, 1_795_000_000_123, 253_402_300_799_999, 0, 1, 0, 1, 2, 0, 2, 1, 3, 3, 2];
    for (const ms of values) assert.equal(rfc3339(ms), new Date(ms).toISOString());
    assert.equal(rfc3339(null), undefined);
    assert.equal(rfc3339(undefined), undefined);
  });
});

describe('isoTimestamp (log line times)', () => {
  it('is exactly toISOString: every millisecond padding, second and day boundaries, back and forth, and outside 0000–9999', () => {
    const base = 1_795_000_000_000;
    const values = [base, base + 1, base + 9, base + 10, base + 99, base + 100, base + 999, base + 1000, base + 5, 0, 999, 1000];
    values.push(Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), 253_402_300_799_999, 253_402_300_800_000, -1, 1.5);
    for (const ms of [...values, ...values.reverse()]) assert.equal(isoTimestamp(ms), new Date(ms).toISOString(), String(ms));
  });
});

describe('httpDate (the Date header of verify-lane answers)', () => {
  it("is Date's toUTCString of the whole second, for every millisecond of it and across seconds", () => {
    const base = Date.UTC(2026, 10, 28, 19, 59, 59, 0);
    for (const ms of [base, base + 1, base + 999, base + 1000, base + 1500, base, 0, 253_402_300_799_999]) {
      assert.equal(httpDate(ms), new Date(Math.floor(ms / 1000) * 1000).toUTCString(), String(ms));
    }
    assert.equal(httpDate(base + 999), 'Sat, 28 Nov 2026 19:59:59 GMT');
  });
});

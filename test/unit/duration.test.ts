import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, MAX_TTL_MS, MIN_TTL_MS, parseDuration, parseTtl } from '../../src/shared/duration.js';

describe('parseDuration', () => {
  const valid: [string, number][] = [
    ['3600s', 3_600_000],
    ['1.5s', 1500],
    ['0s', 0],
    ['0.001s', 1],
    ['1.000000001s', 1000.000001],
    ['.5s', 500],
    ['1.s', 1000],
    ['250ms', 250],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['1000000ns', 1],
    ['1h30m', 5_400_000],
    ['24h', 86_400_000],
    ['90m', 5_400_000],
    ['1h1m1s1ms', 3_661_001],
    ['1.5h', 5_400_000],
    ['1d', 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1mo', 30 * 86_400_000],
    ['1y', 365 * 86_400_000],
    ['1y2mo', (365 + 60) * 86_400_000],
    ['1mo1m1ms', 30 * 86_400_000 + 60_000 + 1],
    ['10y', 315_360_000_000],
    ['315360000s', 315_360_000_000],
    ['1s1s', 2000], // Go allows repeated units
    ['00001s', 1000],
    ['100000000y', 100_000_000 * 365 * 86_400_000],
  ];
  for (const [text, ms] of valid) {
    it(`accepts ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), ms));
  }

  const invalid = [
    '',
    ' ',
    '1',
    '0',
    's',
    '.s',
    '1.5',
    '-1s',
    '+1s',
    '1 s',
    ' 1s',
    '1s ',
    '1S',
    '1H',
    '1sec',
    '1e3s',
    '1E3s',
    'NaN',
    'Infinitys',
    'Infinity',
    '1x',
    'h1',
    '1hm',
    '1..5s',
    '1.5.5s',
    '٣s',
    '1Mo',
    '1MO',
    '1ys',
    '1m-1s',
    `${'1'.repeat(64)}s`,
    '1s'.repeat(33),
    '\u00001s',
    '1s\n',
  ];
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), null));
  }

  it('accepts exactly 64 characters', () => {
    assert.equal(parseDuration(`${'0'.repeat(62)}1s`), 1000);
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [3_600_000, '3600s'],
    [1500, '1.5s'],
    [0, '0s'],
    [1, '0.001s'],
    [1.5, '0.0015s'],
    [0.000001, '0.000000001s'],
    [999.9999999, '1s'],
    [-1500, '-1.5s'],
    [MAX_TTL_MS, '315360000s'],
    [MAX_TTL_MS + 1, '315360000.001s'],
  ];
  for (const [ms, text] of cases) {
    it(`formats ${ms} as ${text}`, () => assert.equal(formatDuration(ms), text));
  }

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1000, 1001, 86_400_000, MAX_TTL_MS, 123_456_789]) {
      assert.equal(parseDuration(formatDuration(ms)), ms);
    }
  });

  it('refuses non-finite numbers', () => {
    assert.throws(() => formatDuration(Number.NaN), RangeError);
    assert.throws(() => formatDuration(Number.POSITIVE_INFINITY), RangeError);
  });
});

describe('parseTtl', () => {
  it('applies the 1s … 10y bounds with clear reasons', () => {
    assert.equal(MIN_TTL_MS, 1000);
    assert.equal(MAX_TTL_MS, 315_360_000_000);
    assert.deepEqual(parseTtl('1s'), { ok: true, ms: 1000 });
    assert.deepEqual(parseTtl('10y'), { ok: true, ms: MAX_TTL_MS });
    assert.deepEqual(parseTtl('30d'), { ok: true, ms: 30 * 86_400_000 });
    assert.deepEqual(parseTtl('999ms'), { ok: false, reason: 'must be at least 1s' });
    assert.deepEqual(parseTtl('0s'), { ok: false, reason: 'must be at least 1s' });
    assert.deepEqual(parseTtl('10y1ms'), { ok: false, reason: 'must be at most 10y (315360000s)' });
    assert.deepEqual(parseTtl('315360001s'), { ok: false, reason: 'must be at most 10y (315360000s)' });
    for (const bad of ['', '-1s', 'forever', '1e9s']) {
      const result = parseTtl(bad);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, /^invalid duration syntax/);
    }
  });
});

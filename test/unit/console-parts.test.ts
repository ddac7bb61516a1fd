import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { parseFile, parsePasted, toLines } from '../../console/lib/import-parse.js';
import { sha256Hex } from '../../console/lib/node-crypto-shim.js';
import { readCookie } from '../../src/http/console/cookie-auth.js';
import { VerificationUsage } from '../../src/observability/verification-usage.js';
import { type ConsoleSession, ConsoleSessions } from '../../src/tenancy/console-sessions.js';

describe('console sessions', () => {
  const setup = (max = 3) => {
    let now = 1_000_000;
    const ended: ConsoleSession[] = [];
    const s = new ConsoleSessions(
      { now: () => now },
      (n) => randomBytes(n),
      { idleMs: 1000, absoluteMs: 5000, max },
      (x) => ended.push(x),
    );
    return { s, ended, tick: (ms: number) => (now += ms) };
  };

  test('ids are 256-bit, opaque and unguessable; unknown, empty and over-long ids find nothing', () => {
    const { s } = setup();
    const id = s.create('operator', 'secret', null);
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(s.get(id)?.kind, 'operator');
    for (const bad of [undefined, '', `${id}x`, id.slice(1), 'x'.repeat(10_000)]) assert.equal(s.get(bad), undefined);
  });

  test('idle and absolute expiry, each ending the session', () => {
    const { s, ended, tick } = setup();
    const id = s.create('project', 't', 'p1');
    for (let i = 0; i < 4; i++) {
      tick(999);
      assert.ok(s.get(id), `alive after ${i + 1} touches`);
    }
    tick(1001);
    assert.equal(s.get(id), undefined, 'absolute lifetime reached');
    const idle = s.create('project', 't', 'p1');
    tick(1000);
    assert.equal(s.get(idle), undefined, 'idle');
    assert.equal(ended.length, 2);
  });

  test('bounded: the least recently used session is dropped first', () => {
    const { s, ended } = setup(3);
    const [a, b, c] = [s.create('operator', 'a', null), s.create('operator', 'b', null), s.create('operator', 'c', null)];
    s.get(a); // a is now the most recent
    s.create('operator', 'd', null);
    assert.equal(s.size, 3);
    assert.equal(s.get(b), undefined);
    assert.ok(s.get(a) && s.get(c));
    assert.deepEqual(
      ended.map((x) => x.secret),
      ['b'],
    );
  });
});

describe('console helpers', () => {
  test('readCookie takes exactly the named cookie', () => {
    const cases: [string | undefined, string | undefined][] = [
      [undefined, undefined],
      ['ks_console=abc', 'abc'],
      ['a=1; ks_console=abc; b=2', 'abc'],
      ['xks_console=abc', undefined],
      ['ks_console_other=abc', undefined],
      [`ks_console=abc; ${'x'.repeat(9000)}`, undefined],
    ];
    for (const [header, want] of cases) assert.equal(readCookie(header, 'ks_console'), want, header?.slice(0, 40));
  });

  test('verification usage: 60 one-minute buckets, old minutes fall out, projects are separate', () => {
    const u = new VerificationUsage(2);
    const t0 = Date.parse('2026-11-27T10:00:30Z');
    u.record('p', t0, 2, 1);
    u.record('p', t0 + 20_000, 1, 0);
    u.record('p', t0 + 60_000, 0, 4);
    let s = u.series('p', t0 + 60_000);
    assert.equal(s.length, 60);
    assert.deepEqual([s[58].valid, s[58].invalid, s[59].valid, s[59].invalid], [3, 1, 0, 4]);
    s = u.series('p', t0 + 60 * 60_000);
    assert.deepEqual([s[0].valid, s[0].invalid], [0, 4], 'the minute 59 min ago is still there');
    assert.equal(
      u.series('p', t0 + 61 * 60_000).reduce((n, m) => n + m.valid + m.invalid, 0),
      0,
    );
    assert.equal(u.series('other', t0)[59].valid, 0);
    u.record('q', t0, 1, 0);
    u.record('r', t0, 1, 0); // bound 2: p (least recently counted) goes
    assert.equal(u.series('p', t0 + 60_000)[59].invalid, 0);
  });

  test('usage: counting a project again makes it the most recent, also right after another project', () => {
    const u = new VerificationUsage(2);
    const t0 = Date.parse('2026-11-27T10:00:30Z');
    u.record('p', t0, 1, 0);
    u.record('q', t0, 1, 0);
    u.record('p', t0, 1, 0); // p again: now q is the least recently counted
    u.record('p', t0, 1, 0); // and again (the newest project: no re-ordering needed)
    u.record('r', t0, 1, 0); // bound 2: q goes, p stays
    assert.equal(u.series('p', t0)[59].valid, 3);
    assert.equal(u.series('q', t0)[59].valid, 0);
    assert.equal(u.series('r', t0)[59].valid, 1);
  });

  test('the browser SHA-256 shim agrees with node:crypto (the import request ids must match the CLI)', () => {
    for (const s of ['', 'abc', 'é∑ unicode 🔑', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'x'.repeat(1000)]) {
      assert.equal(sha256Hex(s), createHash('sha256').update(s).digest('hex'), `length ${s.length}`);
    }
  });

  test('the console import parser is the CLI one: CSV rows, JSON lines, pasted JSON', () => {
    assert.deepEqual(toLines('\ufeffa\r\nb\n\nc'), [
      { no: 1, text: 'a', bytes: 3 },
      { no: 2, text: 'b', bytes: 2 },
      { no: 3, text: '', bytes: 1 },
      { no: 4, text: 'c', bytes: 2 },
    ]);
    const csv = parseFile('raw_key,name,actor_id,scopes\nk1_abcdefghijkl,n1,a1,read write\n"bad"x,n2,a2,\nk3_abcdefghijkl,,a3,\n', 'csv');
    assert.deepEqual(
      csv.map((e) => ('item' in e ? (e.item.scopes ?? 'ok') : e.error_code)),
      [['read', 'write'], 'INVALID_CSV', 'INVALID_ITEM'],
    );
    assert.throws(() => parseFile('raw_key,nme,actor_id\n', 'csv'), /unknown column "nme"/);
    const jsonl = parseFile('{"raw_key":"k1_abcdefghijkl","name":"n","actor_id":"a"}\n{"raw_key":\n', 'jsonl');
    assert.deepEqual(
      jsonl.map((e) => ('item' in e ? e.item.request_id?.slice(0, 4) : e.error_code)),
      ['imp-', 'INVALID_JSON'],
    );
    const pasted = parsePasted('[{"raw_key":"k","name":"n","actor_id":"a"},{"name":"n"}]');
    assert.deepEqual(
      pasted.map((e) => ('item' in e ? 'ok' : e.error_code)),
      ['ok', 'INVALID_ITEM'],
    );
    assert.throws(() => parsePasted('{'), /Not valid JSON/);
  });
});

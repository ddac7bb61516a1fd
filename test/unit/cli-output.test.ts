import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { formatCell, printResult, renderResult } from '../../src/cli/output.js';

const keys = [
  { key_id: 'k-1', name: 'ci', scopes: ['read', 'write'], status: 'KEY_STATUS_ACTIVE' },
  { key_id: 'k-22', name: 'deploy bot', scopes: [], status: 'KEY_STATUS_REVOKED' },
];

describe('renderResult', () => {
  it('json: pretty JSON, unchanged data', () => {
    assert.equal(renderResult(keys, 'json'), JSON.stringify(keys, null, 2));
    assert.equal(renderResult(undefined, 'json'), 'null');
  });

  it('table of rows: upper-case headers, aligned, no trailing spaces', () => {
    assert.equal(
      renderResult(keys, 'table'),
      [
        'KEY_ID  NAME        SCOPES      STATUS',
        'k-1     ci          read,write  KEY_STATUS_ACTIVE',
        'k-22    deploy bot  -           KEY_STATUS_REVOKED',
      ].join('\n'),
    );
  });

  it('table of rows: columns choose, order, label and compute cells', () => {
    const out = renderResult(keys, 'table', [
      { key: 'status', get: (r) => String(r.status).replace('KEY_STATUS_', '') },
      { key: 'key_id', header: 'id' },
    ]);
    assert.equal(out, ['STATUS   ID', 'ACTIVE   k-1', 'REVOKED  k-22'].join('\n'));
  });

  it('empty list: header only (given columns)', () => {
    assert.equal(renderResult([], 'table', [{ key: 'key_id' }, { key: 'name' }]), 'KEY_ID  NAME');
  });

  it('single object: field/value table, absent fields skipped', () => {
    const out = renderResult({ key_id: 'k-1', name: 'ci', metadata: { team: 'x' }, last_used_time: undefined, expire_time: null }, 'table');
    assert.equal(out, ['key_id       k-1', 'name         ci', 'metadata     {"team":"x"}', 'expire_time  -'].join('\n'));
  });

  it('is deterministic', () => {
    assert.equal(renderResult(keys, 'table'), renderResult(structuredClone(keys), 'table'));
  });
});

describe('formatCell', () => {
  it('scalars, lists, objects and absent values', () => {
    assert.equal(formatCell('a'), 'a');
    assert.equal(formatCell(3), '3');
    assert.equal(formatCell(false), 'false');
    assert.equal(formatCell(null), '-');
    assert.equal(formatCell(''), '-');
    assert.equal(formatCell([]), '-');
    assert.equal(formatCell({}), '-');
    assert.equal(formatCell(['a', 'b']), 'a,b');
    assert.equal(formatCell([{ a: 1 }]), '[{"a":1}]');
    assert.equal(formatCell({ quota: '100', window: '60s' }), '{"quota":"100","window":"60s"}');
  });

  it('escapes control characters so data cannot forge rows or drive the terminal', () => {
    assert.equal(formatCell('evil\nk-9  ci'), 'evil\\u000ak-9  ci');
    assert.equal(formatCell('\u001b[2Jx'), '\\u001b[2Jx');
    assert.equal(formatCell('\u009b31m'), '\\u009b31m');
  });
});

describe('printResult', () => {
  it('writes the rendering plus a newline to the given writer', () => {
    let out = '';
    printResult([{ a: 1 }], 'table', undefined, { write: (s: string) => (out += s) });
    assert.equal(out, 'A\n1\n');
  });

  it('defaults to stdout', (t) => {
    const write = mock.method(process.stdout, 'write', () => true);
    t.after(() => write.mock.restore());
    printResult({ a: 1 }, 'json');
    printResult({ a: 1 }, 'table');
    write.mock.restore();
    assert.deepEqual(
      write.mock.calls.map((c) => c.arguments[0]),
      ['{\n  "a": 1\n}\n', 'a  1\n'],
    );
  });
});

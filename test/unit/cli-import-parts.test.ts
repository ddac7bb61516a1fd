// The pieces of `keys import` on their own: line reader, CSV parser, item validation, request ids,
// the batch sender's per-line accounting, progress formatting, and stopping on abort.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { BatchImportResponse, ImportKeyRequest } from '../../src/cli/api-types.js';
import { ApiError } from '../../src/cli/api-error.js';
import { type LineResult, type RetryPolicy, sendBatch } from '../../src/cli/import-batch.js';
import { CsvParser, type CsvRecord } from '../../src/cli/import-csv.js';
import { deriveRequestId, isSha256Digest, LineError, toImportItem } from '../../src/cli/import-item.js';
import { countNonEmptyLines, type FileLine, readLineChunks } from '../../src/cli/import-lines.js';
import { formatBarLine, formatDuration, formatPlainLine, formatSummary } from '../../src/cli/import-progress.js';
import { runImport } from '../../src/cli/import-run.js';
import { formatFromPath } from '../../src/cli/import-source.js';

const dir = mkdtempSync(join(tmpdir(), 'keysmith-import-parts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function allLines(path: string, max?: number): Promise<FileLine[]> {
  const out: FileLine[] = [];
  for await (const chunk of readLineChunks(path, max)) out.push(...chunk);
  return out;
}

describe('readLineChunks / countNonEmptyLines', () => {
  it('numbers lines; strips CRLF and the BOM; keeps a last line without newline; flags long lines', async () => {
    const path = join(dir, 'lines.txt');
    writeFileSync(path, `\ufeffone\r\n\ntwo\n${'x'.repeat(50)}\nthree`);
    const lines = await allLines(path, 20);
    assert.deepEqual(
      lines.map((l) => [l.no, l.text]),
      [
        [1, 'one'],
        [2, ''],
        [3, 'two'],
        [4, null],
        [5, 'three'],
      ],
    );
    assert.equal(await countNonEmptyLines(path), 4);
  });

  it('splits lines across read buffers (a 300 KB file of short lines)', async () => {
    const path = join(dir, 'many.txt');
    const n = 30_000;
    writeFileSync(path, Array.from({ length: n }, (_, i) => `line-${i + 1}`).join('\n'));
    const lines = await allLines(path);
    assert.equal(lines.length, n);
    assert.ok(lines.every((l, i) => l.text === `line-${i + 1}` && l.no === i + 1));
    assert.equal(await countNonEmptyLines(path), n);
  });
});

describe('CsvParser', () => {
  const parse = (text: string, maxChars?: number): CsvRecord[] => {
    const p = new CsvParser(maxChars);
    const out = text.split('\n').flatMap((t, i) => p.push({ no: i + 1, text: t, bytes: t.length + 1 }));
    return [...out, ...p.end()];
  };

  it('RFC 4180: quoted commas, doubled quotes, line breaks; records keep their first line number', () => {
    assert.deepEqual(parse('a,"b,c","say ""hi"""\n"multi\nline",,x\n\n"",end'), [
      { line: 1, cells: ['a', 'b,c', 'say "hi"'] },
      { line: 2, cells: ['multi\nline', '', 'x'] },
      { line: 5, cells: ['', 'end'] },
    ]);
  });

  it('rejects stray quotes; an unterminated quote costs one line, not the rest of the file', () => {
    assert.deepEqual(
      parse('a"b,c\n"a"b,c\n"open,1\nnext,2\nlast,3').map((r) => ('error' in r ? [r.line, 'error'] : [r.line, r.cells])),
      [
        [1, 'error'],
        [2, 'error'],
        [3, 'error'],
        [4, ['next', '2']],
        [5, ['last', '3']],
      ],
    );
    // Past the size cap the record is abandoned before the end of the file.
    const capped = parse(`"open\n${'y,1\n'.repeat(20)}z,2`, 30);
    assert.equal(capped[0].line, 1);
    assert.ok('error' in capped[0]);
    assert.equal(capped.length, 22);
    assert.deepEqual(capped.at(-1), { line: 22, cells: ['z', '2'] });
  });
});

describe('toImportItem', () => {
  it('fills a deterministic request id from the line number and the key or its digest; ids ascend with the line', () => {
    const hash = (s: string) => createHash('sha256').update(`keysmith/import-request-id/v1|${s}`).digest('hex').slice(0, 24);
    const expect = (s: string, line: string) => `imp-${line}-${hash(s)}`;
    assert.equal(deriveRequestId('abc', 1), expect('abc', '0000001'));
    assert.equal(deriveRequestId('abc', 1_000_000), expect('abc', '000lfls'));
    for (const line of [1, 35, 36, 999_999, 36 ** 7 - 1, 36 ** 7, 1e12]) assert.equal(deriveRequestId('abc', line).length, 36, String(line));
    const ids = Array.from({ length: 2000 }, (_, i) => deriveRequestId(`key-${i}`, i + 1));
    assert.deepEqual([...ids].sort(), ids, 'sorted by line');
    assert.notEqual(deriveRequestId('abc', 7), deriveRequestId('abd', 7));
    assert.equal(toImportItem({ raw_key: 'abc', name: 'n', actor_id: 'a' }, 12).request_id, expect('abc', '000000c'));
    const digest = createHash('sha256').update('abc').digest('base64');
    assert.deepEqual(toImportItem({ sha256: digest, name: 'n', actor_id: 'a', visibility: 'public', ttl: null }, 1), {
      sha256: digest,
      name: 'n',
      actor_id: 'a',
      visibility: 'KEY_VISIBILITY_PUBLIC',
      request_id: expect(digest, '0000001'),
    });
  });

  it('names what is wrong without quoting values', () => {
    const cases: [unknown, RegExp][] = [
      [[1], /not a JSON object/],
      [{ name: 'n', actor_id: 'a' }, /raw_key or sha256 is required/],
      [{ raw_key: 'SECRET', sha256: 'ab'.repeat(32), name: 'n', actor_id: 'a' }, /not both/],
      [{ sha256: 'SECRET', name: 'n', actor_id: 'a' }, /SHA-256 digest/],
      [{ raw_key: 'SECRET', actor_id: 'a' }, /name is required/],
      [{ raw_key: 'SECRET', name: 'n', actor_id: ' ' }, /actor_id is required/],
      [{ raw_key: 'SECRET', name: 'n', actor_id: 'a', scopes: 'read' }, /scopes must be an array/],
      [{ raw_key: 'SECRET', name: 'n', actor_id: 'a', metadata: [] }, /metadata must be a JSON object/],
      [{ raw_key: 'SECRET', name: 'n', actor_id: 'a', request_id: 'r'.repeat(37) }, /longer than 36/],
      [{ raw_key: 'SECRET', name: 'n', actor_id: 'a', expires: 1 }, /unknown field "expires"/],
      [{ raw_key: 42, name: 'n', actor_id: 'a' }, /raw_key must be a string/],
    ];
    for (const [value, message] of cases) {
      assert.throws(
        () => toImportItem(value, 1),
        (err: unknown) => err instanceof LineError && message.test(err.message) && !err.message.includes('SECRET'),
        JSON.stringify(value),
      );
    }
    assert.ok(isSha256Digest('ab'.repeat(32)) && isSha256Digest(`${'A'.repeat(43)}=`) && !isSha256Digest('ab'.repeat(31)));
  });

  it('format from the extension', () => {
    assert.deepEqual(['a.jsonl', 'a.NDJSON', 'x/a.csv', 'a.json', 'a'].map(formatFromPath), ['jsonl', 'jsonl', 'csv', undefined, undefined]);
  });
});

describe('sendBatch', () => {
  const policy: RetryPolicy = { retries: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };
  const lines = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ line: i + 10, item: { raw_key: `raw-${i}`, name: 'n', actor_id: 'a', request_id: `r${i}` } }));
  const sender = (answers: ((req: ImportKeyRequest[]) => BatchImportResponse)[]) => {
    const calls: ImportKeyRequest[][] = [];
    return {
      calls,
      async batchImport(req: ImportKeyRequest[]) {
        calls.push(req);
        const next = answers.shift();
        if (!next) throw new Error('no more answers');
        return next(req);
      },
    };
  };
  const byLine = (rs: LineResult[]) => [...rs].sort((a, b) => a.line - b.line).map((r) => [r.line, r.outcome, r.error_code]);

  it('settles each line once: created, replayed, existed, failed; INTERNAL items and missing results are retried', async () => {
    const s = sender([
      () => ({
        results: [
          { index: 0, imported_api_key: {}, replayed: false },
          { index: 1, imported_api_key: {}, replayed: true },
          { index: 2, error_code: 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_ALREADY_EXISTS', error_message: 'raw-2 exists' },
          { index: 3, error_code: 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_INVALID_ARGUMENT', error_message: 'bad raw-3' },
          { index: 4, error_code: 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_INTERNAL', error_message: 'db' },
          { index: 99, imported_api_key: {} },
        ],
      }),
      (req) => {
        assert.deepEqual(
          req.map((r) => r.raw_key),
          ['raw-4', 'raw-5'],
        );
        return {
          results: [
            { index: 0, imported_api_key: {}, replayed: true },
            { index: 1, imported_api_key: {} },
          ],
        };
      },
    ]);
    const out = await sendBatch(s, lines(6), policy, (x) => x);
    assert.deepEqual(byLine(out.results), [
      [10, 'created', undefined],
      [11, 'replayed', undefined],
      [12, 'existed', undefined],
      [13, 'failed', 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_INVALID_ARGUMENT'],
      [14, 'replayed', undefined],
      [15, 'created', undefined],
    ]);
    assert.equal(out.results.find((r) => r.line === 13)?.error_message, 'bad [REDACTED]');
  });

  it('5xx and network errors: retried, then every line failed and the batch marked unreachable', async () => {
    const unavailable = () => {
      throw ApiError.fromResponse(503, '{"error":{"code":503,"status":"UNAVAILABLE","message":"down"}}', undefined, (x) => x);
    };
    const network = () => {
      throw new Error('cannot reach Keysmith at http://x: ECONNRESET', { cause: new Error('reset') });
    };
    const s = sender([unavailable, network, network]);
    const out = await sendBatch(s, lines(3), policy, (x) => x);
    assert.equal(s.calls.length, 3);
    assert.equal(out.unreachable, true);
    assert.deepEqual(
      byLine(out.results),
      [10, 11, 12].map((l) => [l, 'failed', 'UNAVAILABLE']),
    );
  });

  it('409 CONFLICT (ABORTED) is retried; 401 is fatal; a redirect is fatal', async () => {
    const conflict = () => {
      throw ApiError.fromResponse(409, '{"error":{"code":409,"status":"ABORTED","message":"race","details":[{"reason":"CONFLICT"}]}}', undefined, (x) => x);
    };
    const ok = (req: ImportKeyRequest[]) => ({ results: req.map((_, index) => ({ index, imported_api_key: {} })) });
    const retried = await sendBatch(sender([conflict, ok]), lines(2), policy, (x) => x);
    assert.deepEqual(byLine(retried.results), [
      [10, 'created', undefined],
      [11, 'created', undefined],
    ]);

    const denied = () => {
      throw ApiError.fromResponse(401, '{"error":{"code":401,"status":"UNAUTHENTICATED","message":"no"}}', undefined, (x) => x);
    };
    const fatal = await sendBatch(sender([denied]), lines(2), policy, (x) => x);
    assert.match(fatal.fatal ?? '', /^401 UNAUTHENTICATED/);
    assert.equal(fatal.results.length, 2);

    const redirected = () => {
      throw new Error('Keysmith at http://x redirected to https://y; use that URL as the endpoint');
    };
    const moved = await sendBatch(sender([redirected]), lines(1), policy, (x) => x);
    assert.match(moved.fatal ?? '', /redirected/);
    assert.deepEqual(byLine(moved.results), [[10, 'failed', 'INTERNAL']]);
  });
});

describe('progress and summary text', () => {
  const c = { created: 11_997, replayed: 0, existed: 0, failed: 3 };

  it('plain line every 2 s; bar on a TTY; summary', () => {
    assert.equal(formatPlainLine(c, 1_000_000, 652), 'imported 12000/1000000 (3 failed) 18,405 keys/s ETA 54s');
    assert.equal(formatPlainLine(c, undefined, 652), 'imported 12000 (3 failed) 18,405 keys/s');
    assert.equal(formatBarLine(c, 24_000, 1000), '[############------------]  50%  12,000/24,000  12,000 keys/s ETA 1s  3 failed');
    assert.equal(
      formatSummary({ created: 5, replayed: 2, existed: 1, failed: 0 }, 65_000),
      '5 new, 3 already imported (2 replayed, 1 already existed), 0 failed in 1m05s (0 keys/s)',
    );
    assert.deepEqual([formatDuration(54), formatDuration(200), formatDuration(3_900)], ['54s', '3m20s', '1h05m']);
  });
});

describe('runImport', () => {
  it('stops reading when aborted: batches in flight finish, the first unsent line is reported', async () => {
    const path = join(dir, 'abort.jsonl');
    writeFileSync(path, Array.from({ length: 50 }, (_, i) => JSON.stringify({ raw_key: `k${i}`, name: 'n', actor_id: 'a' })).join('\n'));
    const controller = new AbortController();
    const failures: LineResult[] = [];
    const result = await runImport(
      { file: path, format: 'jsonl', batchSize: 10, concurrency: 1, count: true },
      {
        sender: {
          async batchImport(req) {
            controller.abort();
            return { results: req.map((_, index) => ({ index, imported_api_key: {} })) };
          },
        },
        report: { write: (r) => failures.push(...r.filter((x) => x.outcome === 'failed')), close() {} },
        progress: { write() {} },
        tty: false,
        redact: (s) => s,
        signal: controller.signal,
      },
    );
    assert.equal(result.stopped, 'interrupted');
    assert.equal(result.counts.created, 10);
    assert.equal(result.firstUnsentLine, 11);
    assert.equal(result.total, 50);
    assert.equal(failures.length, 0);
  });
});

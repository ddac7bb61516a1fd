import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { openDialect } from '../../src/store/sql/open-store.js';

// A new SQLite file gets 8 KB pages (docs/performance.md, issue 5), or the DSN's `page_size`; a file that
// already holds tables keeps the page size it was made with, whatever the DSN says.

const dir = mkdtempSync(join(tmpdir(), 'ks-page-size-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Opens `file` through the dialect with `query`, makes a table if none, and returns the file's page size as SQLite reads it. */
async function pageSizeAfterOpen(file: string, query = ''): Promise<number> {
  const path = join(dir, file);
  const dialect = openDialect(`sqlite://${path}${query}`);
  await sql`CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)`.execute(dialect.db);
  await dialect.close();
  const raw = new BetterSqlite3(path, { readonly: true });
  try {
    return raw.pragma('page_size', { simple: true }) as number;
  } finally {
    raw.close();
  }
}

describe('SQLite page size', () => {
  it('a new file gets 8192', async () => {
    assert.equal(await pageSizeAfterOpen('default.db'), 8192);
  });

  it('page_size in the DSN sets it for a new file', async () => {
    assert.equal(await pageSizeAfterOpen('small.db', '?page_size=4096'), 4096);
    assert.equal(await pageSizeAfterOpen('large.db', '?page_size=16384'), 16384);
  });

  it('an invalid page_size falls back to 8192 (not a power of two, out of range, not a number)', async () => {
    for (const [i, v] of ['3000', '256', '131072', 'abc', '-8192', '8192.5'].entries()) {
      assert.equal(await pageSizeAfterOpen(`bad-${i}.db`, `?page_size=${v}`), 8192, v);
    }
  });

  it('a file made with 4096 keeps 4096 when opened with the default (SQLite ignores it once tables exist)', async () => {
    const path = join(dir, 'existing.db');
    const old = new BetterSqlite3(path);
    old.pragma('page_size = 4096');
    old.exec('CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)');
    old.close();
    assert.equal(await pageSizeAfterOpen('existing.db'), 4096);
    const raw = new BetterSqlite3(path, { readonly: true });
    assert.deepEqual(raw.prepare('SELECT id FROM t').all(), [{ id: 1 }], 'its rows are untouched');
    raw.close();
  });
});

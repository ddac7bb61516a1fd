import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { backgroundCheckpoints } from '../../src/store/sql/dialects/sqlite-checkpointer.js';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A WAL database with one table; `write(mb)` commits one transaction of about that many megabytes. */
function database(pageSize = 4096) {
  const dir = mkdtempSync(join(tmpdir(), 'ks-checkpoint-'));
  const path = join(dir, 'k.db');
  const raw = new BetterSqlite3(path);
  raw.pragma(`page_size = ${pageSize}`);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)');
  const insert = raw.prepare('INSERT INTO t (v) VALUES (?)');
  const write = raw.transaction((mb: number) => {
    for (let i = 0; i < mb * 256; i++) insert.run(Buffer.alloc(4000, i));
  });
  return { dir, path, raw, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('SQLite background checkpoints', () => {
  it('stay with SQLite while writes are light: no worker, the default 1000-page threshold', async () => {
    const db = database();
    const cp = backgroundCheckpoints(db.raw, db.path, driver);
    try {
      for (let i = 0; i < 4; i++) db.write(0.5);
      await sleep(1200); // two looks at the WAL file
      assert.equal(cp.engaged, false);
      assert.equal(db.raw.pragma('wal_autocheckpoint', { simple: true }), 1000);
    } finally {
      await cp.close();
      db.raw.close();
      db.cleanup();
    }
  });

  it('the backstop is 256 MB whatever the page size: 32,768 pages of 8 KB', async () => {
    const db = database(8192);
    const cp = backgroundCheckpoints(db.raw, db.path, driver);
    try {
      db.write(12);
      for (let i = 0; i < 40 && !cp.engaged; i++) await sleep(100);
      assert.equal(cp.engaged, true, 'the worker took over');
      assert.equal(db.raw.pragma('page_size', { simple: true }), 8192);
      assert.equal(db.raw.pragma('wal_autocheckpoint', { simple: true }), 32_768);
    } finally {
      await cp.close();
      db.raw.close();
      db.cleanup();
    }
  });

  it('move to a worker once the WAL outgrows 8 MB; the worker copies every frame; close() stops it', async () => {
    const db = database();
    const cp = backgroundCheckpoints(db.raw, db.path, driver);
    try {
      db.write(12); // one transaction larger than SQLite's own checkpoint threshold
      assert.ok(statSync(`${db.path}-wal`).size > 8 * 1024 * 1024);
      for (let i = 0; i < 40 && !cp.engaged; i++) await sleep(100);
      assert.equal(cp.engaged, true, 'the worker took over');
      assert.equal(db.raw.pragma('wal_autocheckpoint', { simple: true }), 65_536, 'the main connection keeps only a backstop (256 MB)');
      // 6 MB more stays under the main connection's backstop (256 MB): only the worker can copy it into
      // the database file, which the file's size shows without asking SQLite (asking would checkpoint).
      const before = statSync(db.path).size;
      db.write(6);
      for (let i = 0; i < 50 && statSync(db.path).size < before + 6 * 1024 * 1024; i++) await sleep(100);
      assert.ok(statSync(db.path).size >= before + 6 * 1024 * 1024, 'the worker copied the new pages into the database file');
      // Written through the WAL and checkpointed by another connection: nothing lost.
      assert.equal((db.raw.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 18 * 256);
    } finally {
      const started = Date.now();
      await cp.close();
      assert.ok(Date.now() - started < 2500, 'close() returns promptly');
      db.raw.close();
      db.cleanup();
    }
  });
});

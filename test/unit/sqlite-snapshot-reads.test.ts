import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, sql } from 'kysely';
import { rowReader } from '../../src/store/sql/dialects/sqlite-rows.js';
import { openDialect } from '../../src/store/sql/open-store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const select = (id: number) => CompiledQuery.raw('SELECT id, name FROM t WHERE id = ?', [id]);

/** A dialect on a fresh file with table t(id, name) holding row 1 = 'one'; `other` is a second process's connection. */
async function fixture(snapshotMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ks-snapshot-'));
  const path = join(dir, 'k.db');
  const dialect = openDialect(`sqlite://${path}?read_snapshot_ms=${snapshotMs}`);
  await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`.execute(dialect.db);
  await sql`INSERT INTO t (id, name) VALUES (1, 'one')`.execute(dialect.db);
  const other = new BetterSqlite3(path);
  other.pragma('busy_timeout = 0');
  const name = async (id = 1) => (await dialect.fastQuery<{ id: number; name: string }>(select(id)))[0]?.name;
  return {
    dialect,
    other,
    name,
    async close() {
      other.close();
      await dialect.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `test` against a fresh fixture and always closes it. */
async function withFixture(snapshotMs: number, test: (f: Awaited<ReturnType<typeof fixture>>) => Promise<void>): Promise<void> {
  const f = await fixture(snapshotMs);
  try {
    await test(f);
  } finally {
    await f.close();
  }
}

describe('SQLite lookups from a held read snapshot (read_snapshot_ms)', () => {
  it("sees this server's own writes at once: every write ends the snapshot first (Kysely, fastWrite, fastQuery)", () =>
    withFixture(60_000, async (f) => {
      // only the writes can end the snapshot within this test
      assert.equal(await f.name(), 'one');
      await sql`UPDATE t SET name = 'kysely' WHERE id = 1`.execute(f.dialect.db);
      assert.equal(await f.name(), 'kysely');
      await f.dialect.fastWrite(CompiledQuery.raw("UPDATE t SET name = 'fastWrite' WHERE id = 1", []));
      assert.equal(await f.name(), 'fastWrite');
      await f.dialect.fastQuery(CompiledQuery.raw('INSERT INTO t (id, name) VALUES (?, ?)', [2, 'two']));
      assert.equal(await f.name(2), 'two');
      await f.dialect.db.transaction().execute(async (trx) => {
        await sql`UPDATE t SET name = 'transaction' WHERE id = 1`.execute(trx);
      });
      assert.equal(await f.name(), 'transaction');
    }));

  it("sees another process's write only once the snapshot is older than read_snapshot_ms", () =>
    withFixture(300, async (f) => {
      assert.equal(await f.name(), 'one'); // opens the snapshot
      f.other.prepare("UPDATE t SET name = 'elsewhere' WHERE id = 1").run();
      assert.equal(await f.name(), 'one', 'a lookup within the snapshot reads the snapshot');
      await sleep(350);
      assert.equal(await f.name(), 'elsewhere');
    }));

  it('without it (read_snapshot_ms=0) every lookup reads the latest commit', () =>
    withFixture(0, async (f) => {
      assert.equal(await f.name(), 'one');
      f.other.prepare("UPDATE t SET name = 'elsewhere' WHERE id = 1").run();
      assert.equal(await f.name(), 'elsewhere');
    }));

  it('a lookup inside an open transaction reads that transaction, with its uncommitted writes', () =>
    withFixture(60_000, async (f) => {
      assert.equal(await f.name(), 'one');
      const seen = await f.dialect.db.transaction().execute(async (trx) => {
        await sql`INSERT INTO t (id, name) VALUES (3, 'three')`.execute(trx);
        return f.name(3);
      });
      assert.equal(seen, 'three');
    }));

  it('an idle snapshot is released after read_snapshot_ms: it does not keep another process from truncating the WAL', () =>
    withFixture(200, async (f) => {
      assert.equal(await f.name(), 'one');
      f.other.prepare("UPDATE t SET name = 'elsewhere' WHERE id = 1").run();
      // busy = 1: the held snapshot still reads WAL frames, so the WAL cannot be truncated yet.
      assert.equal((f.other.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0].busy, 1);
      await sleep(400); // no lookup comes; the timer ends the snapshot
      assert.equal((f.other.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0].busy, 0);
    }));
});

describe('rowReader (SQLite rows as objects)', () => {
  const db = new BetterSqlite3(':memory:');
  db.exec("CREATE TABLE r (a INTEGER, b TEXT, c REAL, d BLOB, e TEXT); INSERT INTO r VALUES (1, 'x', 1.5, x'00ff', NULL), (2, 'y', -2, NULL, 'z')");

  it("returns what better-sqlite3's own objects hold: same keys in the same order, same values", () => {
    const q = 'SELECT a, b, c, d, e, a + 1 AS "a plus ""1""" FROM r ORDER BY a';
    const rows = rowReader(db.prepare(q))([]);
    const expected = db.prepare(q).all();
    assert.deepEqual(rows, expected);
    assert.deepEqual(
      rows.map((r) => Object.keys(r as object)),
      expected.map((r) => Object.keys(r as object)),
    );
  });

  it('binds parameters and returns an empty list when nothing matches', () => {
    const read = rowReader(db.prepare('SELECT b FROM r WHERE a = ?'));
    assert.deepEqual(read([2]), [{ b: 'y' }]);
    assert.deepEqual(read([99]), []);
  });

  it('leaves a column named __proto__ to the driver: the same object, the prototype untouched', () => {
    const q = 'SELECT 1 AS "__proto__", 2 AS b';
    const [row] = rowReader(db.prepare(q))([]) as Record<string, unknown>[];
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
    assert.deepEqual(Object.keys(row), Object.keys(db.prepare(q).get() as object));
    assert.equal(row.b, 2);
  });

  it('keeps the last value of a repeated column name, as the driver does', () => {
    const q = 'SELECT 1 AS a, 2 AS a';
    assert.deepEqual(rowReader(db.prepare(q))([]), db.prepare(q).all());
  });
});

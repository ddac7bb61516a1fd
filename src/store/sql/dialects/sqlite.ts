import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type CompiledQuery, Kysely, SqliteDialect } from 'kysely';
import { StoreTimeout, StoreUnavailable, UniqueViolation } from '../../store-errors.js';
import type { Database } from '../tables.js';
import type { SqlDialect } from './dialect.js';
import { backgroundCheckpoints, type Checkpointer } from './sqlite-checkpointer.js';
import { type RowReader, rowReader } from './sqlite-rows.js';
import { SnapshotReader } from './sqlite-snapshot-reader.js';

const requireCjs = createRequire(import.meta.url);

/** Whole mebibytes from a DSN query parameter, within [0, max]; the default when absent or invalid. */
function mib(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const v = Number(params.get(name));
  return params.has(name) && Number.isInteger(v) && v >= 0 && v <= max ? v : fallback;
}

/**
 * The page size a new database file gets: `page_size` from the DSN (a power of two, 512–65536), else
 * 8192. A 1000-key batch import writes a WAL frame (two writes) for every random index leaf it dirties;
 * with 8 KB pages there are half as many leaves, so fewer frames for the same bytes: +21 % keys/s in
 * seven interleaved pairs, verify unchanged (docs/performance.md, issue 5).
 */
function pageSize(params: URLSearchParams): number {
  const v = Number(params.get('page_size'));
  return params.has('page_size') && Number.isInteger(v) && v >= 512 && v <= 65536 && (v & (v - 1)) === 0 ? v : 8192;
}

/**
 * sqlite://<file>?page_size=8192&cache_mb=64&mmap_mb=256&checkpoint=background&read_snapshot_ms=10 — page cache and
 * memory-mapped reads, per connection. The library defaults (a few MB of cache, no mmap) make every
 * index page beyond them an OS read: a large import slowed down as the database grew, and verify paid
 * for pread calls under load. `checkpoint=background` (the default for a file) checkpoints the WAL from
 * a worker thread once writes are heavy (sqlite-checkpointer.ts); `checkpoint=inline` keeps SQLite's own
 * behaviour always. `read_snapshot_ms` (default 10, 0 = off) serves standalone hot-path lookups from a
 * second connection's read snapshot held that long (sqlite-snapshot-reader.ts).
 */
export function openSqlite(dsn: string): SqlDialect {
  const url = dsn.replace(/^sqlite3?:\/\//, '');
  const [path, query = ''] = url.split('?');
  const params = new URLSearchParams(query);
  const memory = path === ':memory:' || path === '';
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(memory ? ':memory:' : path);
  // Only a database with no table yet takes a page size (SQLite ignores it afterwards): a new file.
  raw.pragma(`page_size = ${pageSize(params)}`);
  // WAL unless the file system cannot share memory between connections (SQLite then keeps a rollback journal).
  const wal = raw.pragma('journal_mode = WAL', { simple: true }) === 'wal';
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma(`cache_size = ${-1024 * mib(params, 'cache_mb', 64, 16384)}`);
  const mmapBytes = 1024 * 1024 * mib(params, 'mmap_mb', 256, 1 << 20);
  raw.pragma(`mmap_size = ${mmapBytes}`);
  const checkpointer: Checkpointer | null =
    !memory && params.get('checkpoint') !== 'inline' ? backgroundCheckpoints(raw, path, requireCjs.resolve('better-sqlite3')) : null;
  const snapshotMs = mib(params, 'read_snapshot_ms', 10, 1000);
  // A held snapshot is a WAL reader: without WAL it would be a shared lock that stops every writer.
  const reader = !memory && wal && snapshotMs > 0 ? new SnapshotReader(path, snapshotMs, mmapBytes) : null;
  // Every statement Kysely runs on the main connection passes here: one that writes ends the reader's
  // snapshot first, so the next lookup sees the write (sqlite-snapshot-reader.ts).
  const database = {
    prepare(sql: string) {
      const stmt = raw.prepare(sql);
      if (!stmt.readonly) reader?.end();
      return stmt;
    },
    close: () => raw.close(),
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  // Hot-path statements by SQL: the main connection's, and for a read-only reader statement its
  // RowReader on the main connection and (with the snapshot reader) the same statement on the reader's.
  const statements = new Map<string, { stmt: BetterSqlite3.Statement; read?: RowReader; snapshotRead?: RowReader }>();
  const statementFor = (sql: string) => {
    let entry = statements.get(sql);
    if (!entry) {
      const stmt = raw.prepare(sql);
      const readOnly = stmt.reader && stmt.readonly;
      entry = { stmt, read: readOnly ? rowReader(stmt) : undefined, snapshotRead: readOnly ? reader?.prepare(sql) : undefined };
      statements.set(sql, entry);
    }
    return entry;
  };

  return {
    name: 'sqlite',
    db,
    capabilities: { returning: true, lockForUpdate: false, inProcess: true },
    async fastWrite(query: CompiledQuery): Promise<void> {
      if (raw.inTransaction) {
        await db.executeQuery(query);
        return;
      }
      await this.fastQuery(query);
    },
    async fastQuery<R>(query: CompiledQuery): Promise<R[]> {
      try {
        const { stmt, read, snapshotRead } = statementFor(query.sql);
        if (read) {
          // A caller inside a transaction must see its own writes: only standalone lookups go to the snapshot.
          if (reader && snapshotRead && !raw.inTransaction) return reader.all<R>(snapshotRead, query.parameters);
          return read(query.parameters) as R[];
        }
        reader?.end();
        if (stmt.reader) return stmt.all(...(query.parameters as unknown[])) as R[];
        stmt.run(...(query.parameters as unknown[]));
        return [];
      } catch (e) {
        throw translate(e);
      }
    },
    async fastRun(query: CompiledQuery): Promise<number> {
      try {
        const { stmt } = statementFor(query.sql);
        reader?.end();
        return stmt.run(...(query.parameters as unknown[])).changes;
      } catch (e) {
        throw translate(e);
      }
    },
    translateError: translate,
    // In-process connections (one writer, one snapshot reader), no pool: nothing worth a gauge.
    poolStats: () => null,
    async close() {
      reader?.close();
      await checkpointer?.close();
      await db.destroy();
    },
  };
}

function translate(error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  if (typeof e?.code !== 'string') return error;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const m = e.message ?? '';
    if (m.includes('request_id')) return new UniqueViolation('request_id');
    if (m.includes('lookup_hash')) return new UniqueViolation('lookup_hash');
    if (m.includes('slug')) return new UniqueViolation('slug');
    if (m.includes('token_hash')) return new UniqueViolation('token_hash');
    return new UniqueViolation(e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ? 'primary' : 'unknown');
  }
  if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED') return new StoreTimeout(error);
  if (e.code === 'SQLITE_CANTOPEN' || e.code === 'SQLITE_IOERR' || e.code === 'SQLITE_FULL') return new StoreUnavailable(error);
  return error;
}

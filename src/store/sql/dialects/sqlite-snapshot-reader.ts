import BetterSqlite3 from 'better-sqlite3';
import { type RowReader, rowReader } from './sqlite-rows.js';

/**
 * Standalone reads (a verify's key lookup) on a second connection that keeps one read snapshot for up
 * to `maxAgeMs`, instead of an autocommit read on the main connection per lookup.
 *
 * Why: in WAL mode every read transaction takes and drops a read lock in the `-shm` file, two `fcntl`
 * system calls — half of a one-column primary-key lookup on our hosts (docs/performance.md: 6.7 µs
 * autocommit, 3.3 µs inside a held snapshot). A snapshot held across lookups pays them once.
 *
 * Freshness — what a lookup can miss, and for how long:
 * - Writes of this process: none. Every write on the main connection ends the snapshot before it runs
 *   (`end`, called by sqlite.ts for each statement that is not read-only), so the next lookup
 *   opens a snapshot that includes it. A revoke answered to its caller is seen by the next verify.
 * - Writes of another process on the same file (a second server, `keysmith migrate`): up to `maxAgeMs`.
 *   The snapshot ends on its first use after that age, and a timer ends it even when no lookup comes.
 *
 * What it does not do: serve reads of a caller inside a transaction (they must see its own writes) —
 * sqlite.ts sends a lookup here only while the main connection has no transaction open. It never
 * writes (`query_only`). It does not block the main connection's checkpoints or WAL restarts, since
 * the snapshot ends before every local write; another process's WAL restart can wait up to `maxAgeMs`.
 */
export class SnapshotReader {
  private readonly db: BetterSqlite3.Database;
  private readonly begin: BetterSqlite3.Statement;
  private readonly commit: BetterSqlite3.Statement;
  /** performance.now() when the open snapshot began; -1 when none is open (and then no timer runs). */
  private openedAt = -1;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    path: string,
    private readonly maxAgeMs: number,
    mmapBytes: number,
  ) {
    this.db = new BetterSqlite3(path, { fileMustExist: true });
    this.db.pragma('query_only = ON');
    this.db.pragma('busy_timeout = 5000');
    // Index pages come through the memory map (shared with the OS page cache); a small private cache.
    this.db.pragma(`mmap_size = ${mmapBytes}`);
    this.db.pragma('cache_size = -8192');
    this.begin = this.db.prepare('BEGIN');
    this.commit = this.db.prepare('COMMIT');
  }

  /** A read-only statement prepared on this connection; the caller keeps it with its own statement cache. */
  prepare(sql: string): RowReader {
    return rowReader(this.db.prepare(sql));
  }

  /** Rows of `read` in the current snapshot, opening one if none is open or it is too old. */
  all<R>(read: RowReader, parameters: readonly unknown[]): R[] {
    const now = performance.now();
    if (this.openedAt >= 0 && now - this.openedAt > this.maxAgeMs) this.end();
    if (this.openedAt < 0) {
      this.begin.run();
      this.openedAt = now;
      // An idle snapshot never outlives its age: lookups may stop, the snapshot must not pin the WAL.
      this.timer = setTimeout(this.onTimer, this.maxAgeMs + 1).unref();
    }
    return read(parameters) as R[];
  }

  /**
   * Ends the snapshot, if one is open: before every write on the main connection, so that the next
   * lookup sees what is about to be written; when it is too old; on close.
   */
  end(): void {
    if (this.openedAt < 0) return;
    this.openedAt = -1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.db.inTransaction) this.commit.run();
  }

  close(): void {
    this.end();
    this.db.close();
  }

  // Set when a snapshot opens and cleared when it ends, so when it fires the snapshot is maxAgeMs old.
  private readonly onTimer = () => this.end();
}

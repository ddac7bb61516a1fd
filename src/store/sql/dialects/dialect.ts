import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../tables.js';

/**
 * What differs between databases, as capabilities — domain code never asks which database it is.
 * - `fastQuery` runs an already-compiled query through a cached prepared statement (hot path).
 * - `lockForUpdate` tells whether `SELECT … FOR UPDATE` exists (SQLite serialises writers instead).
 * - `inProcess`: statements run in this process on the one writing connection (SQLite), so `fastQuery`
 *   runs inside an open transaction and a prepared single-row statement per row beats one large
 *   statement. A standalone `fastQuery` read (a verify's lookup) goes to a read snapshot of a second
 *   connection while no transaction is open (sqlite-snapshot-reader.ts). While one is open it does not
 *   wait for that other request's transaction either: it reads inside it, so it can see rows that
 *   transaction has written and not yet committed. Deliberate: a verify never queues behind a 1000-key
 *   import transaction. What it sees early is what the transaction then commits — or, if the
 *   transaction rolls back on an error (a quota or uniqueness race), for those few milliseconds a key
 *   that ends up not existing, or a revocation that ends up not happening. Writes must not land inside it: see `fastWrite`.
 * - `translateError` turns a driver error into UniqueViolation / StoreUnavailable / StoreTimeout.
 */
export interface SqlDialect {
  readonly name: string;
  readonly db: Kysely<Database>;
  readonly capabilities: { readonly returning: boolean; readonly lockForUpdate: boolean; readonly inProcess: boolean };
  fastQuery<R>(query: CompiledQuery): Promise<R[]>;
  /**
   * A write through the same cached prepared statements, returning how many rows it changed (an
   * `INSERT … ON CONFLICT DO NOTHING` tells whether it inserted, without the cost of RETURNING). Where
   * it runs is `fastQuery`'s: in process, inside the caller's open transaction; elsewhere, on a pool
   * connection outside any transaction.
   */
  fastRun(query: CompiledQuery): Promise<number>;
  /**
   * A standalone write (not part of a transaction of the caller) through a cached prepared statement.
   * In-process (SQLite) there is one connection: while another request's transaction is open on it,
   * the write waits its turn behind Kysely's connection lock instead of landing inside that transaction
   * (and being rolled back with it).
   */
  fastWrite(query: CompiledQuery): Promise<void>;
  translateError(error: unknown): unknown;
  /**
   * Told after a committed bulk insert of `rows` keys (a batch import). PostgreSQL refreshes its planner
   * statistics when enough rows went in (pg-statistics.ts); SQLite and MariaDB need nothing.
   */
  afterBulkInsert?(rows: number): void;
  /** Connection pool occupancy for /metrics, read on scrape; null where there is no pool (SQLite). */
  poolStats(): PoolStats | null;
  close(): Promise<void>;
}

/** Plain numbers only: no driver object leaves store/. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  /** Callers queued for a connection. */
  readonly waiting: number;
}

/**
 * A DSN with its password masked, safe for logs and error messages. Masks up to the LAST '@': people
 * write raw passwords containing '@' (or '/'), and masking too much is safe where masking too little leaks.
 */
export function redactDsn(dsn: string): string {
  return dsn.replace(/^([a-z0-9+]+:\/\/[^:/@]*:)[\s\S]*@/i, '$1***@');
}

/** Runs a store operation and translates any driver error at the store boundary (habit 3). */
export async function translated<T>(dialect: SqlDialect, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw dialect.translateError(e);
  }
}

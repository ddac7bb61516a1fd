import { type CompiledQuery, Kysely, MysqlDialect } from 'kysely';
import { createPool, type ResultSetHeader } from 'mysql2';
import { StoreTimeout, StoreUnavailable, UniqueViolation } from '../../store-errors.js';
import type { Database } from '../tables.js';
import type { PoolStats, SqlDialect } from './dialect.js';

/** mysql://user:pass@host:port/db?max_conns=10&connect_timeout=5 */
export function openMysql(dsn: string): SqlDialect {
  const url = new URL(dsn);
  const q = url.searchParams;
  const num = (k: string, d: number) => (q.has(k) ? Number(q.get(k)) : d);
  const pool = createPool({
    host: decodeURIComponent(url.hostname) || '127.0.0.1',
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password) || undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
    connectionLimit: num('max_conns', 10),
    connectTimeout: num('connect_timeout', 5) * 1000,
    charset: 'utf8mb4',
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
  pool.on('connection', (conn) => conn.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });
  const promisePool = pool.promise();
  /** Runs a compiled query as a prepared statement on a pool connection: rows, or a write's result header. */
  async function execute(query: CompiledQuery): Promise<unknown[] | ResultSetHeader> {
    try {
      const [result] = await promisePool.execute(query.sql, query.parameters as never);
      return result as unknown[] | ResultSetHeader;
    } catch (e) {
      throw translate(e);
    }
  }

  return {
    name: 'mysql',
    db,
    capabilities: { returning: false, lockForUpdate: true, inProcess: false },
    async fastWrite(query: CompiledQuery): Promise<void> {
      await this.fastQuery(query); // a pool connection, outside any transaction
    },
    async fastQuery<R>(query: CompiledQuery): Promise<R[]> {
      const rows = await execute(query);
      return Array.isArray(rows) ? (rows as R[]) : [];
    },
    async fastRun(query: CompiledQuery): Promise<number> {
      const result = await execute(query);
      return Array.isArray(result) ? 0 : result.affectedRows;
    },
    translateError: translate,
    poolStats: () => mysqlPoolStats(pool),
    async close() {
      await db.destroy();
    },
  };
}

/**
 * mysql2 has no public pool statistics: read its internal queues (mysql2 3.x: `_allConnections`,
 * `_freeConnections`, `_connectionQueue`, each with a `length`), defensively — a driver upgrade that
 * renames them yields null (no gauge) rather than a wrong number or a crash on scrape.
 */
function mysqlPoolStats(pool: object): PoolStats | null {
  const p = pool as Record<string, { length?: unknown } | undefined>;
  const len = (name: string) => (typeof p[name]?.length === 'number' ? (p[name]?.length as number) : null);
  const total = len('_allConnections');
  const idle = len('_freeConnections');
  const waiting = len('_connectionQueue');
  return total === null || idle === null || waiting === null ? null : { total, idle, waiting };
}

function translate(error: unknown): unknown {
  const e = error as { errno?: number; code?: string; message?: string; fatal?: boolean };
  if (!e || typeof e !== 'object') return error;
  if (e.errno === 1062) {
    // "Duplicate entry '<value>' for key '<index>'" (MySQL 8 writes '<table>.<index>'). Match on the index
    // name at the end only: the quoted value is user data and may itself contain words like "slug".
    const key = /for key '([^']*)'$/.exec(e.message ?? '')?.[1] ?? '';
    if (key.endsWith('request_uq')) return new UniqueViolation('request_id');
    if (key.endsWith('lookup_uq')) return new UniqueViolation('lookup_hash');
    if (key.endsWith('slug_uq')) return new UniqueViolation('slug');
    if (key.endsWith('hash_uq')) return new UniqueViolation('token_hash');
    return new UniqueViolation(key === 'PRIMARY' || key.endsWith('.PRIMARY') ? 'primary' : 'unknown');
  }
  if (e.errno === 3024 || e.errno === 1205 || e.code === 'PROTOCOL_SEQUENCE_TIMEOUT') return new StoreTimeout(error);
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'ETIMEDOUT', 'EPIPE', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN'].includes(e.code ?? '') ||
    e.errno === 2002 ||
    e.errno === 2003 ||
    e.errno === 2006 ||
    e.errno === 2013 ||
    // mysql2's error for a command on a connection already lost (a rollback after the failed query of
    // a transaction): no code, only `fatal`.
    (e.fatal === true && e.code === undefined && /closed state/.test(e.message ?? ''))
  )
    return new StoreUnavailable(error);
  return error;
}

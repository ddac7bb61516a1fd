import { createHash } from 'node:crypto';
import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { StoreTimeout, StoreUnavailable, UniqueViolation } from '../../store-errors.js';
import type { Database } from '../tables.js';
import type { SqlDialect } from './dialect.js';
import { BulkLoadStatistics } from './pg-statistics.js';

// BIGINT (int8) arrives as a string by default; our BIGINTs are epoch milliseconds and counters, all < 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

/** postgres://user:pass@host:port/db?max_conns=20&connect_timeout=5&statement_timeout=5000 */
export function openPostgres(dsn: string): SqlDialect {
  const url = new URL(dsn.replace(/^(postgresql|cockroach):/, 'postgres:'));
  const q = url.searchParams;
  const num = (k: string, d: number) => (q.has(k) ? Number(q.get(k)) : d);
  const pool = new pg.Pool({
    host: decodeURIComponent(url.hostname) || '127.0.0.1',
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
    max: num('max_conns', 10),
    idleTimeoutMillis: num('max_conn_idle_time_ms', 30_000),
    connectionTimeoutMillis: num('connect_timeout', 5) * 1000,
    statement_timeout: num('statement_timeout', 5000),
  });
  // A client losing its connection (server restart, network cut) must not crash the process. The pool
  // listens on idle clients only; a checked-out client (mid-transaction, or between a query and its
  // release) would emit 'error' with no listener — an uncaught exception. The failed query rejects and
  // is answered 503; the pool discards the broken client on release.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const names = new Map<string, string>();
  /** Runs a compiled query as a named (server-side prepared) statement on a pool connection. */
  async function prepared(query: CompiledQuery): Promise<pg.QueryResult> {
    let name = names.get(query.sql);
    if (!name) {
      name = `ks_${createHash('sha1').update(query.sql).digest('hex').slice(0, 16)}`;
      names.set(query.sql, name);
    }
    try {
      return await pool.query({ name, text: query.sql, values: query.parameters as unknown[] });
    } catch (e) {
      throw translate(e);
    }
  }

  const statistics = new BulkLoadStatistics(async () => {
    await pool.query('ANALYZE api_keys');
    const { rows } = await pool.query<{ reltuples: number }>("SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'api_keys'::regclass");
    return Number(rows[0]?.reltuples) || 0;
  });

  return {
    name: 'postgres',
    db,
    capabilities: { returning: true, lockForUpdate: true, inProcess: false },
    async fastWrite(query: CompiledQuery): Promise<void> {
      await this.fastQuery(query); // a pool connection, outside any transaction
    },
    async fastQuery<R>(query: CompiledQuery): Promise<R[]> {
      return (await prepared(query)).rows as R[];
    },
    async fastRun(query: CompiledQuery): Promise<number> {
      return (await prepared(query)).rowCount ?? 0;
    },
    translateError: translate,
    afterBulkInsert: (rows) => statistics.noteInserted(rows),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await statistics.settle();
      await db.destroy();
    },
  };
}

function translate(error: unknown): unknown {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (!e || typeof e !== 'object') return error;
  if (e.code === '23505') {
    const c = e.constraint ?? '';
    if (c.includes('request')) return new UniqueViolation('request_id');
    if (c.includes('lookup')) return new UniqueViolation('lookup_hash');
    if (c.includes('slug')) return new UniqueViolation('slug');
    if (c.includes('hash')) return new UniqueViolation('token_hash');
    return new UniqueViolation(c.endsWith('_pk') || c.endsWith('_pkey') ? 'primary' : 'unknown');
  }
  if (e.code === '57014') return new StoreTimeout(error);
  const msg = e.message ?? '';
  if (
    (typeof e.code === 'string' &&
      (/^08/.test(e.code) || /^57P0/.test(e.code) || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'ETIMEDOUT')) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(msg)
  )
    return new StoreUnavailable(error);
  return error;
}

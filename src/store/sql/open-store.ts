import { Migrator } from 'kysely';
import type { Store } from '../ports.js';
import { StoreUnavailable } from '../store-errors.js';
import { type PoolStats, type SqlDialect, redactDsn } from './dialects/dialect.js';
import { openMysql } from './dialects/mysql.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite } from './dialects/sqlite.js';
import { migrationProvider } from './migrations/index.js';
import { compileHotQueries, SqlKeyStore } from './sql-key-store.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { SqlProjectStore } from './sql-project-store.js';
import { SqlTokenStore } from './sql-token-store.js';

export class DsnError extends Error {
  override name = 'DsnError';
}

export function openDialect(dsn: string): SqlDialect {
  const scheme = /^([a-z0-9+]+):\/\//i.exec(dsn)?.[1]?.toLowerCase();
  try {
    switch (scheme) {
      case 'sqlite':
      case 'sqlite3':
        return openSqlite(dsn);
      case 'postgres':
      case 'postgresql':
      case 'cockroach':
        return openPostgres(dsn);
      case 'mysql':
      case 'mariadb':
        return openMysql(dsn.replace(/^mariadb:/, 'mysql:'));
    }
  } catch (e) {
    // Node's URL error carries the whole DSN (password included) in `input`: never let it escape.
    if ((e as { code?: string })?.code === 'ERR_INVALID_URL')
      throw new DsnError(`invalid database DSN ${redactDsn(dsn)}: percent-encode reserved characters (@ : / ? #) in the user name and password`);
    throw e;
  }
  throw new DsnError(`unsupported database DSN ${redactDsn(dsn)}: the scheme must be sqlite://, postgres:// (postgresql://, cockroach://) or mysql://`);
}

export interface SqlStore extends Store {
  readonly dialect: SqlDialect;
  migrator(): Migrator;
  /** Connection pool occupancy (plain numbers, for /metrics); null on SQLite. */
  poolStats(): PoolStats | null;
}

export function createSqlStore(dialect: SqlDialect): SqlStore {
  const hot = compileHotQueries(dialect);
  const projects = new SqlProjectStore(dialect);
  const tokens = new SqlTokenStore(dialect);
  return {
    backend: dialect.name,
    dialect,
    keys: (projectId: string) => new SqlKeyStore(dialect, projectId, hot),
    projects,
    tokens,
    audit: new SqlAuditStore(dialect),
    async ping() {
      try {
        await dialect.db.selectFrom('projects').select('id').limit(1).execute();
      } catch (e) {
        const t = dialect.translateError(e);
        throw t instanceof Error && t !== e ? t : new StoreUnavailable(e);
      }
    },
    poolStats: () => dialect.poolStats(),
    migrator: () =>
      new Migrator({
        db: dialect.db,
        provider: migrationProvider,
        migrationTableName: 'keysmith_migrations',
        migrationLockTableName: 'keysmith_migrations_lock',
      }),
    close: () => dialect.close(),
  };
}

export interface MigrationState {
  applied: string[];
  pending: string[];
}

export async function migrationState(store: SqlStore): Promise<MigrationState> {
  const all = await store.migrator().getMigrations();
  return { applied: all.filter((m) => m.executedAt).map((m) => m.name), pending: all.filter((m) => !m.executedAt).map((m) => m.name) };
}

export async function migrateUp(store: SqlStore): Promise<string[]> {
  const { error, results } = await store.migrator().migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function migrateDown(store: SqlStore): Promise<string[]> {
  const { error, results } = await store.migrator().migrateDown();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

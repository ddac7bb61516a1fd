import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

/**
 * Test databases. SQLite gets a fresh file; PostgreSQL and MariaDB get a uniquely named database on
 * the local servers (so parallel runs never collide), dropped afterwards.
 * KEYSMITH_TEST_DB selects the backend for the API suites: sqlite (default) | postgres | mysql.
 */
export type Backend = 'sqlite' | 'postgres' | 'mysql';

export const PG_ADMIN = process.env.KEYSMITH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN = process.env.KEYSMITH_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';

export const selectedBackend = (): Backend => (process.env.KEYSMITH_TEST_DB as Backend) || 'sqlite';

export interface TestDatabase {
  backend: Backend;
  dsn: string;
  drop(): Promise<void>;
}

const uniqueName = () => `ks_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

export async function backendReachable(backend: Backend): Promise<boolean> {
  try {
    if (backend === 'postgres') {
      const c = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
      await c.connect();
      await c.end();
    } else if (backend === 'mysql') {
      const c = await mysql.createConnection({ uri: MYSQL_ADMIN, connectTimeout: 2000 });
      await c.end();
    }
    return true;
  } catch {
    return false;
  }
}

export async function createTestDatabase(backend: Backend, dir: string): Promise<TestDatabase> {
  if (backend === 'sqlite') return { backend, dsn: `sqlite://${dir}/keysmith.db`, drop: async () => {} };
  const name = uniqueName();
  if (backend === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_ADMIN);
    url.pathname = `/${name}`;
    return {
      backend,
      dsn: url.toString(),
      drop: async () => {
        const c = new pg.Client({ connectionString: PG_ADMIN });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN });
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  const url = new URL(MYSQL_ADMIN);
  url.pathname = `/${name}`;
  return {
    backend,
    dsn: url.toString(),
    drop: async () => {
      const c = await mysql.createConnection({ uri: MYSQL_ADMIN });
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

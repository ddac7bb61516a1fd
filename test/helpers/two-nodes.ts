import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { backendReachable, createTestDatabase, type TestDatabase } from './databases.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

/** Skip reason when PostgreSQL is down locally; under CI=true an unreachable backend is a failure (false = run). */
export async function postgresSkip(): Promise<string | false> {
  const up = await backendReachable('postgres');
  return up || process.env.CI === 'true' ? false : 'PostgreSQL is unreachable (start it, see README; under CI=true this fails)';
}

/**
 * Two real server processes sharing one fresh PostgreSQL database (same master key), started in
 * `before` and stopped in `after` of the calling test file. The first node migrates the database.
 */
export function twoNodesOnPostgres(name: string, env: Record<string, string>, skip: string | false): ServerProcess[] {
  const nodes: ServerProcess[] = [];
  let db: TestDatabase | undefined;
  let dir = '';
  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), `keysmith-${name}-`));
    db = await createTestDatabase('postgres', dir);
    for (const n of [1, 2])
      nodes.push(
        await startServerProcess({
          KEYSMITH_DATA_DIR: join(dir, `node${n}`),
          KEYSMITH_DB_DSN: db.dsn,
          KEYSMITH_DB_AUTO_MIGRATE: 'true',
          KEYSMITH_LOG_LEVEL: 'warn',
          ...env,
        }),
      );
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await db?.drop().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return nodes;
}

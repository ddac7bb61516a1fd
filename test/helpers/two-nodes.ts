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
  let stop: (() => Promise<void>) | undefined;
  before(async () => {
    if (skip) return;
    const two = await startTwoNodesOnPostgres(name, env, nodes);
    stop = two.stop;
  });
  after(async () => {
    await stop?.();
  });
  return nodes;
}

/**
 * The same two nodes outside node:test (the benchmark's revocation-propagation scenario). Nodes are
 * pushed into `nodes` as they come up; a failed start stops what was started and drops the database.
 */
export async function startTwoNodesOnPostgres(
  name: string,
  env: Record<string, string>,
  nodes: ServerProcess[] = [],
): Promise<{ nodes: ServerProcess[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `keysmith-${name}-`));
  let db: TestDatabase | undefined;
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await db?.drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
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
  } catch (e) {
    await stop();
    throw e;
  }
  return { nodes, stop };
}

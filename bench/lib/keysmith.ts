import { openSync, rmSync } from 'node:fs';
import type { DestinationStream } from 'pino';
import { buildApp, type KeysmithApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { ProjectContext } from '../../src/projects/project-context.js';
import { blockLogDestination } from '../../src/observability/logger.js';
import type { KeyStore } from '../../src/store/ports.js';
import { type Backend, createTestDatabase, type TestDatabase } from '../../test/helpers/databases.js';
import { scratchDir } from './paths.js';

export const BENCH_MASTER_KEY = '5a'.repeat(32);
export const BENCH_ADMIN_TOKEN = 'ks_pat_bench_admin_token_0123456789abcdefghijklmnop';
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres', 'mysql'];
export const BACKEND_LABEL: Record<Backend, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB' };

/** A fresh database for a benchmark: SQLite file under .bench-tmp, or a uniquely named PG/MariaDB database. */
export async function benchDatabase(backend: Backend): Promise<{ db: TestDatabase; dir: string; cleanup(): Promise<void> }> {
  const dir = scratchDir(`db-${backend}`);
  const db = await createTestDatabase(backend, dir);
  return {
    db,
    dir,
    async cleanup() {
      await db.drop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function benchConfig(dsn: string, dataDir: string, extra: Record<string, string> = {}) {
  return loadConfig({
    env: {
      KEYSMITH_DATA_DIR: dataDir,
      KEYSMITH_DB_DSN: dsn,
      KEYSMITH_DB_AUTO_MIGRATE: 'true',
      KEYSMITH_SECRETS_MASTER_KEY: BENCH_MASTER_KEY,
      KEYSMITH_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      KEYSMITH_LOG_LEVEL: 'info',
      ...extra,
    },
  });
}

/**
 * The app's own logger (redaction, formatters) writing to /dev/null through the destination the server
 * gives stdout (4 KB blocks, observability/logger.ts): every line is still built, serialised and
 * written, so its cost is measured, but nothing is kept.
 */
export const nullLogStream = (): DestinationStream => blockLogDestination(openSync('/dev/null', 'w'));

export interface IssuedFixture {
  app: KeysmithApp;
  ctx: ProjectContext;
  keys: KeyStore;
  credential: string;
}

export interface FixtureOptions {
  /** Turn the default project's verify cache on (`cache.enabled`, plan `custom` allows it; TTL stays at its default). */
  cache?: boolean;
  /** Issue this many keys in all (default 1); the extra ones come back in `credentials`. */
  keys?: number;
}

/** The project setting `cache.enabled`, through the same validated path as the operator config API. */
export async function enableVerifyCache(app: KeysmithApp): Promise<void> {
  await app.projects.updateSettings(app.bootstrap.projectId, (s) => ({ ...s, cache: { ...s.cache, enabled: true } }));
}

async function issueOne(app: KeysmithApp): Promise<IssuedFixture> {
  const projectId = app.bootstrap.projectId;
  const ctx = await app.projects.context(projectId);
  const keys = app.store.keys(projectId);
  const { secret } = await app.issuedKeys.issue(ctx, keys, { name: 'bench', scopes: ['read'], metadata: { bench: true }, ttlMs: 24 * 3600_000 });
  if (!secret) throw new Error('issue returned no secret');
  return { app, ctx, keys, credential: secret };
}

/** In-process app (nothing listens) with one valid issued key. */
export async function buildIssuedFixture(dsn: string, dataDir: string): Promise<IssuedFixture> {
  const config = benchConfig(dsn, dataDir, { KEYSMITH_LOG_LEVEL: 'warn' });
  const app = await buildApp(config, { logStream: nullLogStream() });
  return issueOne(app);
}

/** Listening app (API on `port`, metrics on an ephemeral port, loopback only) with one valid issued key (or `opts.keys`). */
export async function startIssuedFixture(
  dsn: string,
  dataDir: string,
  port: number,
  logLevel: string,
  opts: FixtureOptions = {},
): Promise<IssuedFixture & { port: number; credentials: string[] }> {
  const config = benchConfig(dsn, dataDir, {
    KEYSMITH_LOG_LEVEL: logLevel,
    KEYSMITH_SERVE_HTTP_HOST: '127.0.0.1',
    KEYSMITH_SERVE_HTTP_PORT: String(port),
    KEYSMITH_SERVE_METRICS_HOST: '127.0.0.1',
    KEYSMITH_SERVE_METRICS_PORT: '0',
  });
  const app = await startApp(config, { logStream: nullLogStream() });
  const addr = app.api.server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  if (opts.cache) await enableVerifyCache(app);
  const first = await issueOne(app);
  const credentials = [first.credential];
  while (credentials.length < (opts.keys ?? 1)) credentials.push((await issueOne(app)).credential);
  return { ...first, port: bound, credentials };
}

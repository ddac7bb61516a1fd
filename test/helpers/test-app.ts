import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type KeysmithApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { Clock } from '../../src/shared/clock.js';
import { type Backend, createTestDatabase, selectedBackend, type TestDatabase } from './databases.js';

export const TEST_MASTER_KEY = '0f'.repeat(32);
export const TEST_ADMIN_TOKEN = 'ks_pat_test_admin_token_0123456789abcdefghijklmnop';
export const TEST_OPERATOR_TOKEN = 'ks_op_test_operator_token_0123456789abcdefghijklmnop';

/** Captures every log line the app writes, so tests can prove secrets never reach the log. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestApp {
  app: KeysmithApp;
  db: TestDatabase;
  dir: string;
  logs: LogCapture;
  token: string;
  /** inject() with the admin token and JSON body. */
  call(method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** inject() with the operator token (operator API). */
  op(method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** inject() with the given bearer token (project token of another project, a revoked token, …). */
  as(token: string, method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  backend?: Backend;
  clock?: Clock;
  env?: Record<string, string>;
  /** Serve mode of the API listener (default all). */
  mode?: 'all' | 'admin' | 'public';
}

/** A real app on a real database (a fresh SQLite file, or a fresh PostgreSQL/MariaDB database). */
export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'keysmith-test-'));
  const db = await createTestDatabase(opts.backend ?? selectedBackend(), dir);
  const logs = new LogCapture();
  const config = loadConfig({
    env: {
      KEYSMITH_DATA_DIR: dir,
      KEYSMITH_DB_DSN: db.dsn,
      KEYSMITH_DB_AUTO_MIGRATE: 'true',
      KEYSMITH_SECRETS_MASTER_KEY: TEST_MASTER_KEY,
      KEYSMITH_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      KEYSMITH_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
      KEYSMITH_LOG_LEVEL: 'debug',
      ...opts.env,
    },
  });
  const app = await buildApp(config, { clock: opts.clock, logStream: logs, mode: opts.mode });
  const token = TEST_ADMIN_TOKEN;
  const as: TestApp['as'] = (bearer, method, url, body, headers = {}) =>
    app.api.inject({
      method,
      url,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  return {
    app,
    db,
    dir,
    logs,
    token,
    call: (method, url, body, headers) => as(token, method, url, body, headers),
    op: (method, url, body, headers) => as(TEST_OPERATOR_TOKEN, method, url, body, headers),
    as,
    async close() {
      await app.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The AIP-193 reason of an error response. */
export const reasonOf = (res: LightMyRequestResponse): string | undefined => res.json()?.error?.details?.[0]?.reason;

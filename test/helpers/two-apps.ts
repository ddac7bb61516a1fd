import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type KeysmithApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { KeyStore } from '../../src/store/ports.js';
import { type Backend, createTestDatabase, type TestDatabase } from './databases.js';
import { TEST_ADMIN_TOKEN, TEST_MASTER_KEY, TEST_OPERATOR_TOKEN } from './test-app.js';

/**
 * Two in-process nodes (two complete apps, each with its own caches and its own invalidation-bus
 * connection) on one fresh database — for multi-node behaviour that needs to look inside a node
 * (count its queries) or to restart quickly. The first node migrates and bootstraps.
 */
export interface TwoApps {
  nodes: [KeysmithApp, KeysmithApp];
  db: TestDatabase;
  close(): Promise<void>;
}

type PerNodeEnv = [Record<string, string>, Record<string, string>];

export async function twoAppsOnOneDatabase(
  backend: Backend,
  env: Record<string, string> = {},
  perNodeEnv: PerNodeEnv | ((dsn: string) => PerNodeEnv) = [{}, {}],
): Promise<TwoApps> {
  const dir = mkdtempSync(join(tmpdir(), 'keysmith-two-apps-'));
  const db = await createTestDatabase(backend, dir);
  const nodes: KeysmithApp[] = [];
  // A function of the database's DSN: e.g. one node reaching it through a test's TCP proxy.
  const perNode = typeof perNodeEnv === 'function' ? perNodeEnv(db.dsn) : perNodeEnv;
  try {
    for (const n of [1, 2]) {
      const config = loadConfig({
        env: {
          KEYSMITH_DATA_DIR: join(dir, `node${n}`),
          KEYSMITH_DB_DSN: db.dsn,
          KEYSMITH_DB_AUTO_MIGRATE: 'true',
          KEYSMITH_SECRETS_MASTER_KEY: TEST_MASTER_KEY,
          KEYSMITH_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          KEYSMITH_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
          KEYSMITH_LOG_LEVEL: 'warn',
          ...env,
          ...perNode[n - 1],
        },
      });
      nodes.push(await buildApp(config));
    }
  } catch (e) {
    await Promise.allSettled(nodes.map((n) => n.close()));
    await db.drop().catch(() => {});
    throw e;
  }
  return {
    nodes: nodes as [KeysmithApp, KeysmithApp],
    db,
    async close() {
      await Promise.allSettled(nodes.map((n) => n.close()));
      await db.drop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis key prefix no other test run shares (channels and keys are namespaced by it). */
export const uniqueRedisPrefix = (): string => `kstest-${randomBytes(6).toString('hex')}:`;

/** inject() on a node with the admin token and a JSON body. */
export async function callNode(node: KeysmithApp, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, token = TEST_ADMIN_TOKEN) {
  const r = await node.api.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, cache: r.headers['ory-talos-cache'] as string | undefined, body: r.body ? r.json() : {} };
}

/** The key-store reads a node makes, counted: every call is one database query (batch reads included). */
export interface QueryCounter {
  count: number;
  byMethod: Map<string, number>;
}

/**
 * Wraps the node's project-bound key stores in a counting decorator — the real store underneath, so
 * what is counted is what reached the database. Returns the live counter.
 */
export function countKeyQueries(node: KeysmithApp): QueryCounter {
  const counter: QueryCounter = { count: 0, byMethod: new Map() };
  const original = node.store.keys.bind(node.store);
  (node.store as { keys: (projectId: string) => KeyStore }).keys = (projectId: string) => {
    const inner = original(projectId);
    return new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (Array.isArray(args[0]) && args[0].length === 0) return value.apply(target, args); // answered without a query
          counter.count++;
          counter.byMethod.set(String(prop), (counter.byMethod.get(String(prop)) ?? 0) + 1);
          return value.apply(target, args);
        };
      },
    });
  };
  return counter;
}

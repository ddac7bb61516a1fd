import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { KeyRecord, ProjectRecord } from '../../src/store/records.js';
import { createSqlStore, migrateUp, openDialect, type SqlStore } from '../../src/store/sql/open-store.js';
import { UniqueViolation } from '../../src/store/store-errors.js';
import { type Backend, backendReachable, createTestDatabase, MYSQL_ADMIN, PG_ADMIN, type TestDatabase } from '../helpers/databases.js';

/**
 * Shared plumbing for the store contract suites: every suite loops over BACKENDS and runs the same
 * cases on each. Reachability is probed once per file (top-level await) so a backend's describe can
 * be skipped locally — or turned into a failing test under CI=true.
 */
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres', 'mysql'];

/** A fixed "now" (epoch ms) so expiry filters are deterministic. */
export const T0 = 1_700_000_000_123;
export const HOUR = 3_600_000;

function hostPort(url: string, defaultPort: number): string {
  const u = new URL(url);
  return `${u.hostname || '127.0.0.1'}:${u.port || defaultPort}`;
}

const UNREACHABLE: Record<Backend, string> = {
  sqlite: 'SQLite could not be opened',
  postgres: `PostgreSQL not reachable on ${hostPort(PG_ADMIN, 5432)}`,
  mysql: `MariaDB not reachable on ${hostPort(MYSQL_ADMIN, 3306)}`,
};

export interface BackendGate {
  /** Passed to describe(): a skip message locally when the backend is down, otherwise false. */
  skip: string | false;
  /** Set under CI=true when the backend is down: the describe must register a failing test. */
  failure: string | undefined;
}

export async function probeBackends(): Promise<Record<Backend, BackendGate>> {
  const ci = process.env.CI === 'true';
  const out = {} as Record<Backend, BackendGate>;
  await Promise.all(
    BACKENDS.map(async (backend) => {
      const up = await backendReachable(backend);
      const msg = UNREACHABLE[backend];
      out[backend] = up
        ? { skip: false, failure: undefined }
        : ci
          ? {
              skip: false,
              failure: `${msg} (CI=true: an unreachable backend is a failure, not a skip)`,
            }
          : { skip: msg, failure: undefined };
    }),
  );
  return out;
}

/** Under CI=true an unreachable backend registers one failing test; returns true if the caller should stop. */
export function failIfUnreachable(gate: BackendGate): boolean {
  if (!gate.failure) return false;
  const failure = gate.failure;
  it('backend is reachable', () => assert.fail(failure));
  return true;
}

/** Registers before/after hooks in the current describe: one fresh, migrated database per backend. */
export function useMigratedStore(backend: Backend): () => SqlStore {
  let dir: string | undefined;
  let db: TestDatabase | undefined;
  let store: SqlStore | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keysmith-contract-'));
    db = await createTestDatabase(backend, dir);
    store = createSqlStore(openDialect(db.dsn));
    await migrateUp(store);
  });
  after(async () => {
    await store?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    assert.ok(store, 'store not opened (before hook failed)');
    return store;
  };
}

/** A fresh, unmigrated database, for the migration suite. The caller closes the store and drops the db. */
export async function freshDatabase(backend: Backend): Promise<{ store: SqlStore; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'keysmith-contract-'));
  const db = await createTestDatabase(backend, dir);
  const store = createSqlStore(openDialect(db.dsn));
  return {
    store,
    async cleanup() {
      await store.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function projectRecord(overrides: Partial<ProjectRecord> = {}): ProjectRecord {
  return {
    id: randomUUID(),
    slug: `p-${randomBytes(6).toString('hex')}`,
    name: 'Contract project',
    plan: 'free',
    apiKeysEnabled: false,
    settings: {},
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** Creates a project (keys and tokens reference projects.id) and returns its id. */
export async function createProject(store: SqlStore, overrides: Partial<ProjectRecord> = {}): Promise<string> {
  const p = projectRecord(overrides);
  await store.projects.create(p);
  return p.id;
}

/** Two projects: the one under test and "another project" that must see nothing. */
export async function twoProjects(store: SqlStore): Promise<[string, string]> {
  return [await createProject(store), await createProject(store)];
}

export function keyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    keyId: randomUUID(),
    kind: 'issued',
    name: 'key',
    actorId: null,
    scopes: [],
    metadata: {},
    status: 'active',
    visibility: 'secret',
    tokenPrefix: 'ks_sk',
    lookupHash: null,
    createdAt: T0,
    updatedAt: T0,
    expiresAt: null,
    lastUsedAt: null,
    rateLimit: null,
    allowedCidrs: [],
    revocationReason: null,
    revocationDescription: null,
    requestId: null,
    ...overrides,
  };
}

export function importedKeyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return keyRecord({
    kind: 'imported',
    tokenPrefix: null,
    lookupHash: randomBytes(32).toString('hex'),
    ...overrides,
  });
}

/** Byte order, which is what key_id ordering must be on every backend (ASCII key ids). */
export const descending = (ids: string[]): string[] => [...ids].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));

export function isUnique(constraint: UniqueViolation['constraint']) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof UniqueViolation, `expected UniqueViolation(${constraint}), got ${String(e)}`);
    assert.equal(e.constraint, constraint);
    return true;
  };
}

/** Every key-store read from `otherProjectId` for these ids comes back empty. */
export async function assertOtherProjectSeesNoKeys(store: SqlStore, otherProjectId: string, keys: KeyRecord[]): Promise<void> {
  const other = store.keys(otherProjectId);
  for (const k of keys) {
    assert.equal(await other.getById(k.keyId), undefined, `other project sees key ${k.keyId}`);
    assert.equal(await other.getByKind(k.kind, k.keyId), undefined);
    if (k.lookupHash) assert.equal(await other.getByLookupHash(k.lookupHash), undefined);
    if (k.requestId) assert.equal(await other.getByRequestId(k.kind, k.requestId), undefined);
  }
  for (const kind of ['issued', 'imported'] as const) {
    assert.deepEqual(await other.list({ kind, limit: 1000, now: T0 }), [], `other project lists ${kind} keys`);
  }
}

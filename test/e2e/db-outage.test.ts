import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

/**
 * Stops and restarts the local PostgreSQL server under load. The server must answer 503 with
 * Retry-After while the database is gone (never 500, never crash), recover by itself, and lose no
 * acknowledged write. Runs in the e2e phase, alone (it takes PostgreSQL away from everyone).
 */
const TOKEN = 'ks_pat_outage_test_token_0123456789abcdefghijklmnop';
const pgVersion = (() => {
  try {
    return readdirSync('/etc/postgresql')[0];
  } catch {
    return undefined;
  }
})();
const pgctl = (action: 'start' | 'stop') =>
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion as string, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])], {
    stdio: 'ignore',
    timeout: 60_000,
  });

let db: TestDatabase;
let server: ServerProcess;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keysmith-outage-'));
  db = await createTestDatabase('postgres', dir);
  server = await startServerProcess({
    KEYSMITH_DATA_DIR: dir,
    KEYSMITH_DB_DSN: `${db.dsn}?connect_timeout=2&statement_timeout=3000`,
    KEYSMITH_DB_AUTO_MIGRATE: 'true',
    KEYSMITH_SECRETS_MASTER_KEY: 'ab'.repeat(32),
    KEYSMITH_ADMIN_TOKEN: TOKEN,
    KEYSMITH_LOG_LEVEL: 'warn',
  });
});

after(async () => {
  try {
    pgctl('start');
  } catch {
    /* already running */
  }
  await server?.stop();
  await db?.drop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

test('PostgreSQL stop/restart under load: 503 + Retry-After meanwhile, no 500, no lost acknowledged write', {
  skip: pgVersion ? false : 'no local PostgreSQL cluster',
}, async () => {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const acknowledged: string[] = [];
  const statuses = new Map<number, number>();
  let missingRetryAfter = 0;
  let stop = false;

  const worker = async () => {
    while (!stop) {
      const started = Date.now();
      let res: Response;
      try {
        res = await fetch(`${server.url}/v2alpha1/admin/issuedApiKeys`, { method: 'POST', headers, body: '{"name":"load"}' });
      } catch {
        statuses.set(-1, (statuses.get(-1) ?? 0) + 1); // connection-level failure: the server died
        continue;
      }
      const body = (await res.json()) as { issued_api_key: { key_id: string } };
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 201) acknowledged.push(body.issued_api_key.key_id);
      if (res.status === 503 && !res.headers.get('retry-after')) missingRetryAfter++;
      if (res.status >= 500 && Date.now() - started < 5) await new Promise((r) => setTimeout(r, 20));
    }
  };

  const workers = Array.from({ length: 4 }, worker);
  await new Promise((r) => setTimeout(r, 1500));
  const beforeOutage = acknowledged.length;
  pgctl('stop');
  await new Promise((r) => setTimeout(r, 2000));
  const during = statuses.get(503) ?? 0;
  pgctl('start');
  // Recovery: wait (bounded) until writes succeed again.
  const deadline = Date.now() + 30_000;
  const countAtRestart = acknowledged.length;
  while (acknowledged.length < countAtRestart + 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  stop = true;
  await Promise.all(workers);

  assert.ok(beforeOutage > 0, 'writes succeeded before the outage');
  assert.ok(during > 0, `the outage produced 503s (statuses: ${JSON.stringify([...statuses])})`);
  assert.equal(statuses.get(500) ?? 0, 0, 'no 500');
  assert.equal(statuses.get(-1) ?? 0, 0, 'the server never dropped a connection');
  assert.equal(missingRetryAfter, 0, 'every 503 carries Retry-After');
  assert.ok(acknowledged.length >= countAtRestart + 20, 'writes recovered by themselves');
  assert.equal(server.child.exitCode, null, 'the server is still running');

  // No acknowledged write is lost.
  for (const id of acknowledged) {
    const r = await fetch(`${server.url}/v2alpha1/admin/issuedApiKeys/${id}`, { headers });
    assert.equal(r.status, 200, `acknowledged key ${id} is readable`);
  }
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { type TcpProxy, tcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Takes the database away from a running server under load, then gives it back, on PostgreSQL and on
 * MariaDB. The server must answer 503 with Retry-After while the database is gone (never 500, never
 * crash), recover by itself, and lose no acknowledged write. The server reaches the database through a
 * TCP proxy the test cuts: every open connection is dropped and new ones are refused, as when the
 * database stops or the network fails — without stopping the machine's database, which other suites
 * (and other runs) share.
 */
const TOKEN = 'ks_pat_outage_test_token_0123456789abcdefghijklmnop';

for (const backend of ['postgres', 'mysql'] as const) {
  describe(`${backend === 'postgres' ? 'PostgreSQL' : 'MariaDB'} outage`, () => {
    let proxy: TcpProxy;
    let db: TestDatabase;
    let server: ServerProcess;
    let dir: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'keysmith-outage-'));
      db = await createTestDatabase(backend, dir);
      const direct = new URL(db.dsn);
      proxy = await tcpProxy(direct.hostname, Number(direct.port) || (backend === 'postgres' ? 5432 : 3306));
      const proxied = new URL(db.dsn);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      proxied.searchParams.set('connect_timeout', '2');
      if (backend === 'postgres') proxied.searchParams.set('statement_timeout', '3000');
      server = await startServerProcess({
        KEYSMITH_DATA_DIR: dir,
        KEYSMITH_DB_DSN: proxied.toString(),
        KEYSMITH_DB_AUTO_MIGRATE: 'true',
        KEYSMITH_SECRETS_MASTER_KEY: 'ab'.repeat(32),
        KEYSMITH_ADMIN_TOKEN: TOKEN,
        KEYSMITH_LOG_LEVEL: 'warn',
      });
    });

    after(async () => {
      await server?.stop();
      await proxy?.close();
      await db?.drop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    });

    it('gone and back under load: writes and verifies 503 + Retry-After meanwhile, no 500, no lost acknowledged write', async () => {
      const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const acknowledged: string[] = [];
      const statuses = new Map<number, number>();
      let missingRetryAfter = 0;
      let firstServerError: unknown;
      let stop = false;

      const worker = async () => {
        while (!stop) {
          const started = Date.now();
          let res: Response;
          try {
            res = await fetch(`${server.url}/v2alpha1/admin/issuedApiKeys`, { method: 'POST', headers, body: '{"name":"load"}' });
          } catch {
            statuses.set(-1, (statuses.get(-1) ?? 0) + 1); // connection-level failure: the server died
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          const body = (await res.json()) as { issued_api_key: { key_id: string } };
          if (res.status === 500) firstServerError ??= body;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 201) acknowledged.push(body.issued_api_key.key_id);
          if (res.status === 503 && !res.headers.get('retry-after')) missingRetryAfter++;
          if (res.status >= 500 && Date.now() - started < 5) await new Promise((r) => setTimeout(r, 20));
        }
      };

      // Verifications of a key issued before the outage, alongside (the verify cache is off: every call reads the store).
      const issued = await fetch(`${server.url}/v2alpha1/admin/issuedApiKeys`, { method: 'POST', headers, body: '{"name":"verified"}' });
      assert.equal(issued.status, 201);
      const credential = ((await issued.json()) as { secret: string }).secret;
      const verifyOutcomes = new Map<string, number>();
      const verifier = async () => {
        while (!stop) {
          let outcome: string;
          try {
            const res = await fetch(`${server.url}/v2alpha1/admin/apiKeys:verify`, { method: 'POST', headers, body: JSON.stringify({ credential }) });
            const body = (await res.json()) as { is_valid?: boolean; error_code?: string; error?: { status: string } };
            outcome = `${res.status} ${res.status === 200 ? (body.is_valid ? 'valid' : body.error_code) : body.error?.status}${res.status === 503 && !res.headers.get('retry-after') ? ' (no Retry-After)' : ''}`;
          } catch {
            outcome = 'connection failure';
          }
          verifyOutcomes.set(outcome, (verifyOutcomes.get(outcome) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 5));
        }
      };

      const workers = [...Array.from({ length: 4 }, worker), verifier(), verifier()];
      await new Promise((r) => setTimeout(r, 1500));
      const beforeOutage = acknowledged.length;
      proxy.down();
      await new Promise((r) => setTimeout(r, 2000));
      const during = statuses.get(503) ?? 0;
      proxy.up();
      // Recovery: wait (bounded) until writes succeed again.
      const deadline = Date.now() + 30_000;
      const countAtRestart = acknowledged.length;
      while (acknowledged.length < countAtRestart + 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      stop = true;
      await Promise.all(workers);

      assert.ok(beforeOutage > 0, 'writes succeeded before the outage');
      assert.ok(during > 0, `the outage produced 503s (statuses: ${JSON.stringify([...statuses])}; server stderr: ${server.stderr().slice(-3000)})`);
      assert.equal(statuses.get(500) ?? 0, 0, `no 500 (first: ${JSON.stringify(firstServerError)})`);
      assert.equal(statuses.get(-1) ?? 0, 0, 'the server never dropped a connection');
      assert.equal(missingRetryAfter, 0, 'every 503 carries Retry-After');
      assert.ok(acknowledged.length >= countAtRestart + 20, 'writes recovered by themselves');
      assert.equal(server.child.exitCode, null, 'the server is still running');
      // Verify while the store is unreachable: 503 UNAVAILABLE with Retry-After — never a 500, and never a
      // verdict about the key (a false NOT_FOUND would make a gateway reject a good key as if it were bad).
      const seen = JSON.stringify([...verifyOutcomes]);
      assert.deepEqual([...verifyOutcomes.keys()].sort(), ['200 valid', '503 UNAVAILABLE'], seen);

      // No acknowledged write is lost.
      for (const id of acknowledged) {
        const r = await fetch(`${server.url}/v2alpha1/admin/issuedApiKeys/${id}`, { headers });
        assert.equal(r.status, 200, `acknowledged key ${id} is readable`);
      }
    });
  });
}

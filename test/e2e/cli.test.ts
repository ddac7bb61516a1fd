import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { api, freePort, killAll, runKeysmith, type ServerProc, startServer } from './process-harness.js';

/**
 * `keysmith keys …` and `keysmith migrate …` as separate processes against a real server process.
 */
const TOKEN = 'ks_pat_e2e_cli_token_0123456789abcdefghijklmnop';
const MASTER_KEY = 'c3'.repeat(32);
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'keysmith-e2e-cli-'));
  dirs.push(d);
  return d;
};
const dbs: TestDatabase[] = [];

after(async () => {
  await killAll();
  for (const db of dbs) await db.drop().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('keysmith keys against a running server', () => {
  let server: ServerProc;
  const keys = (args: string[], opts: { token?: string; input?: string } = {}) =>
    runKeysmith(['keys', ...args, '--endpoint', server.url], { env: { KEYSMITH_TOKEN: opts.token ?? TOKEN }, input: opts.input });

  before(async () => {
    server = await startServer({ KEYSMITH_DATA_DIR: join(tempDir(), 'data'), KEYSMITH_ADMIN_TOKEN: TOKEN, KEYSMITH_LOG_LEVEL: 'warn' });
  });

  test('issue, verify, list, get, update, rotate, revoke', async () => {
    const started = Date.now();
    const issued = await keys(['issue', 'my-key', '--actor', 'svc', '--scopes', 'a,b', '--ttl', '1h', '--format', 'json']);
    assert.equal(issued.code, 0, issued.stderr);
    const body = JSON.parse(issued.stdout);
    const secret: string = body.secret;
    const id: string = body.issued_api_key.key_id;
    assert.match(secret, /^ks_ak_v1_/);
    assert.equal(body.issued_api_key.name, 'my-key');
    assert.equal(body.issued_api_key.actor_id, 'svc');
    assert.deepEqual(body.issued_api_key.scopes, ['a', 'b']);
    const ttlMs = Date.parse(body.issued_api_key.expire_time) - started;
    assert.ok(ttlMs > 3_500_000 && ttlMs <= 3_700_000, `expires in ~1h (${ttlMs} ms)`);

    // verify: the credential on stdin (exit 0), a wrong one (exit 1).
    const ok = await keys(['verify', '-'], { input: `${secret}\n` });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /is_valid\s+true/);
    assert.ok(ok.stdout.includes(id));
    const flipped = secret.slice(0, -1) + (secret.endsWith('2') ? '3' : '2');
    const bad = await keys(['verify', '-'], { input: flipped });
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stdout, /is_valid\s+false/);

    // Another key of another actor, to see the list filter work.
    const other = await keys(['issue', 'other', '--actor', 'someone-else', '--format', 'json']);
    assert.equal(other.code, 0, other.stderr);
    const otherId: string = JSON.parse(other.stdout).issued_api_key.key_id;

    const listJson = await keys(['list', '--format', 'json']);
    assert.equal(listJson.code, 0, listJson.stderr);
    const listed = JSON.parse(listJson.stdout);
    assert.deepEqual(listed.issued_api_keys.map((k: { key_id: string }) => k.key_id).sort(), [id, otherId].sort());
    assert.equal(listed.next_page_token, '');

    const filtered = await keys(['list', '--actor', 'svc', '--status', 'active']);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.match(filtered.stdout, /^KEY_ID\s+NAME\s+ACTOR\s+STATUS\s+SCOPES\s+EXPIRES$/m);
    assert.ok(filtered.stdout.includes(id), 'the table lists the key id');
    assert.ok(!filtered.stdout.includes(otherId), 'the actor filter applies');
    assert.match(filtered.stdout, /my-key\s+svc\s+ACTIVE\s+a,b/);

    const got = await keys(['get', id]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, new RegExp(`^key_id\\s+${id}$`, 'm'));
    assert.match(got.stdout, /^scopes\s+a,b$/m);

    const updated = await keys(['update', id, '--scopes', 'c']);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^scopes\s+c$/m);
    const afterUpdate = await api(server.url, TOKEN, 'GET', `/v2alpha1/admin/issuedApiKeys/${id}`);
    assert.deepEqual(afterUpdate.json.scopes, ['c']);
    assert.equal(afterUpdate.json.name, 'my-key', 'fields outside the mask are kept');

    const rotated = await keys(['rotate', id, '--format', 'json']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const rot = JSON.parse(rotated.stdout);
    const newSecret: string = rot.secret;
    const newId: string = rot.issued_api_key.key_id;
    assert.notEqual(newId, id);
    assert.equal(rot.old_issued_api_key.key_id, id);
    assert.deepEqual(rot.issued_api_key.scopes, ['c'], 'the new key inherits the scopes');
    assert.equal((await keys(['verify', '-'], { input: newSecret })).code, 0, 'the new secret verifies');
    assert.equal((await keys(['verify', '-'], { input: secret })).code, 1, 'the old secret no longer does');

    const revoked = await keys(['revoke', newId, '--reason', 'key_compromise']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout.trim(), `revoked ${newId} (key_compromise)`);
    const state = await api(server.url, TOKEN, 'GET', `/v2alpha1/admin/issuedApiKeys/${newId}`);
    assert.equal(state.json.status, 'KEY_STATUS_REVOKED');
    assert.equal(state.json.revocation_reason ?? 'REVOCATION_REASON_KEY_COMPROMISE', 'REVOCATION_REASON_KEY_COMPROMISE');
    const verifyRevoked = await api(server.url, TOKEN, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential: newSecret });
    assert.equal(verifyRevoked.json.is_valid, false);

    // Revoking it again is an API error (409): exit 1, one line.
    const again = await keys(['revoke', newId]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: 409 /);
  });

  test('issue in table mode prints the key id and the secret, and warns on stderr', async () => {
    const res = await keys(['issue', 'table-key', '--scopes', 'x']);
    assert.equal(res.code, 0, res.stderr);
    const id = /^key_id\s+(\S+)$/m.exec(res.stdout)?.[1];
    assert.ok(id, `a key_id row:\n${res.stdout}`);
    assert.match(res.stdout, /^secret\s+ks_ak_v1_\S+$/m);
    assert.match(res.stderr, /Store this secret now/);
    const listed = await keys(['list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.includes(id), 'the list table contains the key id');
  });

  test('a bad token: exit 1, one error line with 401, the token not echoed', async () => {
    const badToken = 'ks_pat_not_a_real_token_abcdefghijklmnopqrstuvwxyz';
    const res = await keys(['list'], { token: badToken });
    assert.equal(res.code, 1);
    const lines = res.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0], /^error: 401 /);
    assert.ok(!res.stderr.includes(badToken) && !res.stdout.includes(badToken), 'the token is not printed');
    assert.ok(!res.stderr.includes('not_a_real_token'), 'not even a part of it');
  });

  test('bad usage exits 2 and sends nothing', async () => {
    const before = (await api(server.url, TOKEN, 'GET', '/v2alpha1/admin/issuedApiKeys?page_size=1000')).json.issued_api_keys.length;
    const res = await keys(['issue', 'x', '--metadata', '{bad']);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /^error: --metadata is not valid JSON/);
    assert.equal(res.stderr.split('\n').filter(Boolean).length, 1);
    const afterCount = (await api(server.url, TOKEN, 'GET', '/v2alpha1/admin/issuedApiKeys?page_size=1000')).json.issued_api_keys.length;
    assert.equal(afterCount, before, 'no key was issued');
  });

  test('derive a JWT from a key (stdin), verify it, then self-revoke the key without a token', async () => {
    const issued = await keys(['issue', 'derive-me', '--scopes', 'a,b', '--format', 'json']);
    assert.equal(issued.code, 0, issued.stderr);
    const secret: string = JSON.parse(issued.stdout).secret;
    const derived = await keys(['derive', '-', '--ttl', '10m', '--scopes', 'a'], { input: secret });
    assert.equal(derived.code, 0, derived.stderr);
    const jwt = derived.stdout.trim();
    assert.match(jwt, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const ok = await keys(['verify', '-', '--format', 'json'], { input: jwt });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).scopes, ['a']);
    const tooWide = await keys(['derive', '-', '--scopes', 'c'], { input: secret });
    assert.equal(tooWide.code, 1);
    assert.match(tooWide.stderr, /403/);

    const revoked = await keys(['self-revoke', '-'], { input: secret, token: '' });
    assert.equal(revoked.code, 0, revoked.stderr);
    const after = await keys(['verify', '-', '--format', 'json'], { input: secret });
    assert.equal(after.code, 1);
    assert.equal(JSON.parse(after.stdout).error_code, 'VERIFICATION_ERROR_REVOKED');
  });

  test('the server log never contains the token or a secret', async () => {
    assert.equal(await server.stop('SIGTERM', 5_000), 0);
    assert.ok(!server.stdout().includes(TOKEN));
    assert.doesNotMatch(server.stdout(), /ks_ak_v1_/);
  });
});

describe('keysmith migrate', () => {
  test('status shows pending (exit 3), up applies, status shows applied (exit 0)', async () => {
    const dir = tempDir();
    const env = { KEYSMITH_DB_DSN: `sqlite://${dir}/m.db`, KEYSMITH_DATA_DIR: dir };
    const pending = await runKeysmith(['migrate', 'status'], { env });
    assert.equal(pending.code, 3, `exit 3 while migrations are pending: ${pending.stderr}`);
    assert.match(pending.stdout, /^database: sqlite:\/\/.*m\.db$/m);
    assert.match(pending.stdout, /^\s+pending\s+0001_initial$/m);
    assert.doesNotMatch(pending.stdout, /applied/);

    const up = await runKeysmith(['migrate', 'up'], { env });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^applied: .*0001_initial/m);

    const applied = await runKeysmith(['migrate', 'status'], { env });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^\s+applied\s+0001_initial$/m);
    assert.doesNotMatch(applied.stdout, /pending/);
  });

  test('a PostgreSQL database is not migrated at start: the server names the command, then starts after it', async () => {
    const dir = tempDir();
    const db = await createTestDatabase('postgres', dir);
    dbs.push(db);
    const env = {
      KEYSMITH_DATA_DIR: dir,
      KEYSMITH_DB_DSN: db.dsn,
      KEYSMITH_SECRETS_MASTER_KEY: MASTER_KEY,
      KEYSMITH_ADMIN_TOKEN: TOKEN,
      KEYSMITH_LOG_LEVEL: 'warn',
    };
    const refused = await runKeysmith(['serve'], {
      env: {
        ...env,
        KEYSMITH_SERVE_HTTP_HOST: '127.0.0.1',
        KEYSMITH_SERVE_METRICS_HOST: '127.0.0.1',
        KEYSMITH_SERVE_HTTP_PORT: String(await freePort()),
        KEYSMITH_SERVE_METRICS_PORT: String(await freePort()),
      },
      timeoutMs: 15_000,
    });
    assert.equal(refused.code, 1, `refuses to start: ${refused.stderr}`);
    const lines = refused.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, refused.stderr);
    assert.match(lines[0], /pending migration.*run `keysmith migrate up`/);

    const up = await runKeysmith(['migrate', 'up', '--database', db.dsn], { env: { KEYSMITH_DATA_DIR: dir } });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^applied: .*0001_initial/m);

    const server = await startServer(env);
    const issued = await api(server.url, TOKEN, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'on-postgres' });
    assert.equal(issued.status, 201, JSON.stringify(issued.json));
    assert.equal(await server.stop('SIGTERM', 5_000), 0);
  });
});

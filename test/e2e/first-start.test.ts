import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { api, BASE58_TOKEN, killAll, runKeysmith, startServer } from './process-harness.js';

/**
 * The real `keysmith serve` as a child process: first start on an empty data dir (master key,
 * database, admin token printed once), restart, KEYSMITH_ADMIN_TOKEN, invalid config, SIGTERM.
 */
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'keysmith-e2e-first-'));
  dirs.push(d);
  return d;
};

after(async () => {
  await killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const KEYS = '/v2alpha1/admin/issuedApiKeys';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';

describe('first start on the embedded default', () => {
  test('creates the data dir, warns about the master key, prints the admin token once; a restart keeps it', async () => {
    const dataDir = join(tempDir(), 'data'); // does not exist yet
    const env = { KEYSMITH_DATA_DIR: dataDir };

    const first = await startServer(env);
    assert.ok(existsSync(join(dataDir, 'keysmith.db')), 'keysmith.db created');
    const masterKey = join(dataDir, 'master.key');
    assert.ok(existsSync(masterKey), 'master.key created');
    assert.equal(statSync(masterKey).mode & 0o777, 0o600, 'master.key is mode 0600');

    const logLines = first
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    assert.ok(
      logLines.some((l) => l.level === 'warn' && /generated a new master key/.test(l.msg) && l.msg.includes(masterKey)),
      `a warning about the generated master key is logged:\n${first.stdout()}`,
    );

    const tokens = first.stderr().match(BASE58_TOKEN) ?? [];
    assert.equal(tokens.length, 1, `the admin token is printed exactly once on stderr:\n${first.stderr()}`);
    const token = tokens[0];

    const issued = await api(first.url, token, 'POST', KEYS, { name: 'e2e-first', scopes: ['s1'] });
    assert.equal(issued.status, 201, JSON.stringify(issued.json));
    const secret = issued.json.secret as string;
    assert.match(secret, /^ks_ak_v1_/);
    const verified = await api(first.url, token, 'POST', VERIFY, { credential: secret });
    assert.equal(verified.status, 200);
    assert.equal(verified.json.is_valid, true);
    assert.equal(verified.json.key_id, issued.json.issued_api_key.key_id);

    assert.equal(await first.stop('SIGTERM', 5_000), 0, 'SIGTERM → exit 0 within 5 s');
    assert.ok(!first.stdout().includes(token), 'the admin token never reaches the JSON log stream');
    assert.ok(!first.stdout().includes(secret), 'the issued secret never reaches the JSON log stream');
    assert.match(first.stdout(), /"signal":"SIGTERM".*"msg":"shutting down"/);

    // Restart on the same data dir: no new token, same master key, the old token and key still work.
    const second = await startServer(env);
    assert.doesNotMatch(second.stderr(), BASE58_TOKEN, `no new token on restart:\n${second.stderr()}`);
    assert.doesNotMatch(second.stdout(), /generated a new master key/, 'the master key is reused');
    assert.equal(statSync(masterKey).mode & 0o777, 0o600);
    const again = await api(second.url, token, 'POST', VERIFY, { credential: secret });
    assert.equal(again.status, 200);
    assert.equal(again.json.is_valid, true, 'a key issued before the restart still verifies');
    const listed = await api(second.url, token, 'GET', KEYS);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.json.issued_api_keys.map((k: { key_id: string }) => k.key_id),
      [issued.json.issued_api_key.key_id],
    );
    const wrong = await api(second.url, `${token}x`, 'GET', KEYS);
    assert.equal(wrong.status, 401);
    assert.equal(await second.stop('SIGTERM', 5_000), 0);
    assert.ok(!second.stdout().includes(token));
  });

  test('KEYSMITH_ADMIN_TOKEN on a fresh data dir becomes the admin token; nothing is printed', async () => {
    const adminToken = 'e2e-admin-token-0123456789abcdefghijklmn';
    assert.equal(adminToken.length, 40);
    const server = await startServer({ KEYSMITH_DATA_DIR: join(tempDir(), 'data'), KEYSMITH_ADMIN_TOKEN: adminToken });
    assert.doesNotMatch(server.stderr(), BASE58_TOKEN, `no token printed:\n${server.stderr()}`);
    assert.ok(!server.stderr().includes(adminToken));

    const issued = await api(server.url, adminToken, 'POST', KEYS, { name: 'scripted' });
    assert.equal(issued.status, 201, JSON.stringify(issued.json));
    const verified = await api(server.url, adminToken, 'POST', VERIFY, { credential: issued.json.secret });
    assert.equal(verified.json.is_valid, true);
    assert.equal((await api(server.url, 'e2e-admin-token-0123456789abcdefghijklmX', 'GET', KEYS)).status, 401);

    assert.equal(await server.stop('SIGTERM', 5_000), 0);
    assert.ok(!server.stdout().includes(adminToken), 'the configured token never reaches the log');
  });
});

describe('invalid configuration stops the server with one line naming the key', () => {
  const cases: { name: string; env: Record<string, string>; expect: RegExp; absent?: string }[] = [
    { name: 'KEYSMITH_SERVE_HTTP_PORT=abc', env: { KEYSMITH_SERVE_HTTP_PORT: 'abc' }, expect: /serve\.http\.port/ },
    { name: 'KEYSMITH_ADMIN_TOKEN=short', env: { KEYSMITH_ADMIN_TOKEN: 'short' }, expect: /admin_token.*32/ },
    {
      name: 'KEYSMITH_DB_DSN=foo://u:pw@h/x',
      env: { KEYSMITH_DB_DSN: 'foo://u:pw@h/x' },
      expect: /db\.dsn|DSN/,
      absent: 'pw',
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dataDir = join(tempDir(), 'data');
      const started = Date.now();
      const res = await runKeysmith(['serve'], {
        env: { KEYSMITH_DATA_DIR: dataDir, KEYSMITH_SERVE_HTTP_HOST: '127.0.0.1', KEYSMITH_SERVE_METRICS_HOST: '127.0.0.1', ...c.env },
        timeoutMs: 10_000,
      });
      assert.ok(Date.now() - started < 10_000);
      assert.notEqual(res.code, 0, `exits non-zero:\n${res.stderr}`);
      assert.equal(typeof res.code, 'number', 'exits by itself, not by a signal');
      const lines = res.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, `exactly one stderr line, no stack trace:\n${res.stderr}`);
      assert.match(lines[0], c.expect);
      if (c.absent) assert.ok(!res.stderr.includes(c.absent) && !res.stdout.includes(c.absent), `"${c.absent}" is not printed: ${lines[0]}`);
      assert.ok(!existsSync(join(dataDir, 'keysmith.db')), 'nothing was created');
    });
  }
});

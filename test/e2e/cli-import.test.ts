import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, killAll, REPO_ROOT, runKeysmith, type ServerProc, startServer } from './process-harness.js';

/**
 * `keysmith keys import` as a separate process against a real server process on SQLite: a file with
 * bad lines of every kind, a second run of the same file, and a run killed with SIGKILL midway then
 * resumed.
 */
const TOKEN = 'ks_pat_e2e_import_token_0123456789abcdefghijklmnop';
const OPERATOR = 'ks_op_e2e_import_operator_0123456789abcdefghijklmn';
const dir = mkdtempSync(join(tmpdir(), 'keysmith-e2e-import-'));
const spawned = new Set<ChildProcess>();

after(async () => {
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

const rawKey = () => `legacy_sk_${randomBytes(24).toString('hex')}`;

/** Every kind of bad line, in turn; `expect` is the report's error_code. Each line carries a key. */
const BAD_KINDS: { expect: string; line: (key: string, n: number) => string }[] = [
  { expect: 'INVALID_JSON', line: (k, n) => `{"raw_key":"${k}","name":"bad-${n}","actor_id":"a"` },
  { expect: 'INVALID_ITEM', line: (k) => JSON.stringify({ raw_key: k, actor_id: 'no-name' }) },
  { expect: 'INVALID_ITEM', line: (k, n) => JSON.stringify({ raw_key: k, name: `bad-${n}`, actor_id: 'a', scope: ['typo'] }) },
  { expect: 'INVALID_ITEM', line: (k, n) => JSON.stringify({ raw_key: k, sha256: 'a'.repeat(64), name: `bad-${n}`, actor_id: 'a' }) },
  { expect: 'INVALID_ITEM', line: (k, n) => JSON.stringify({ raw_key: k, name: `bad-${n}`, actor_id: 'a', scopes: 'read' }) },
  { expect: 'INVALID_ITEM', line: (k) => JSON.stringify([k]) },
  { expect: 'INVALID_ITEM', line: (k, n) => JSON.stringify({ sha256: `${k}-not-a-digest`, name: `bad-${n}`, actor_id: 'a' }) },
  // Refused by the server, per item:
  {
    expect: 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_FAILED_PRECONDITION',
    line: (k, n) => JSON.stringify({ raw_key: `mc_v1_${k}`, name: `bad-${n}`, actor_id: 'a' }),
  },
  { expect: 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_INVALID_ARGUMENT', line: (k, n) => JSON.stringify({ raw_key: ` ${k} `, name: `bad-${n}`, actor_id: 'a' }) },
  {
    expect: 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_INVALID_ARGUMENT',
    line: (k, n) => JSON.stringify({ raw_key: k, name: `bad-${n}`, actor_id: 'a', ttl: 'forever' }),
  },
];

interface ImportFile {
  path: string;
  /** Raw keys of the good lines, by line number. */
  good: Map<number, string>;
  /** Expected error_code of the bad lines, by line number. */
  bad: Map<number, string>;
  /** Every key written into the file, good or bad. */
  allKeys: string[];
}

/** `lines` lines; line n is bad when `isBad(n)`, cycling through BAD_KINDS. Good names are `<prefix>-<n>`. */
function writeImportFile(name: string, lines: number, prefix: string, isBad: (n: number) => boolean): ImportFile {
  const good = new Map<number, string>();
  const bad = new Map<number, string>();
  const allKeys: string[] = [];
  const out: string[] = [];
  for (let n = 1; n <= lines; n++) {
    const k = rawKey();
    allKeys.push(k);
    if (isBad(n)) {
      const kind = BAD_KINDS[bad.size % BAD_KINDS.length];
      bad.set(n, kind.expect);
      out.push(kind.line(k, n));
    } else {
      good.set(n, k);
      out.push(JSON.stringify({ raw_key: k, name: `${prefix}-${n}`, actor_id: `actor-${n % 50}`, scopes: ['read'], metadata: { n } }));
    }
  }
  const path = join(dir, name);
  writeFileSync(path, `${out.join('\n')}\n`);
  return { path, good, bad, allKeys };
}

const reportLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: number; error_code: string; error_message: string });

describe('keysmith keys import against a running server (SQLite)', () => {
  let server: ServerProc;
  const cliEnv = { KEYSMITH_TOKEN: TOKEN };
  const importArgs = (file: string) => ['keys', 'import', '--file', file, '--endpoint', server.url];
  const activeKeys = async (): Promise<number> => {
    const r = await api(server.url, OPERATOR, 'GET', '/operator/v1/projects/default');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json.usage.active_keys;
  };
  /** Every imported key's name, through list pagination. */
  const listedNames = async (): Promise<string[]> => {
    const names: string[] = [];
    let token = '';
    do {
      const r = await api(server.url, TOKEN, 'GET', `/v2alpha1/admin/importedApiKeys?page_size=1000${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      for (const k of r.json.imported_api_keys as { name: string }[]) names.push(k.name);
      token = r.json.next_page_token;
    } while (token);
    return names;
  };
  const verifies = async (credential: string) =>
    (await api(server.url, TOKEN, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential })).json.is_valid === true;

  let first: ImportFile;

  before(async () => {
    server = await startServer({
      KEYSMITH_DATA_DIR: join(dir, 'data'),
      KEYSMITH_ADMIN_TOKEN: TOKEN,
      KEYSMITH_OPERATOR_TOKEN: OPERATOR,
      KEYSMITH_LOG_LEVEL: 'warn',
    });
    // 10,000 lines, 1 % bad: lines 37, 137, …, 9937.
    first = writeImportFile('keys.jsonl', 10_000, 'first', (n) => n % 100 === 37);
  });

  test('10,000 lines with 1 % bad lines: the rest is imported, the report lists exactly the bad lines, exit 1', async () => {
    assert.equal(first.bad.size, 100);
    const res = await runKeysmith(importArgs(first.path), { env: cliEnv, timeoutMs: 60_000 });
    assert.equal(res.code, 1, `exit 1 when a line failed\n${res.stderr}`);
    assert.match(res.stdout, /^9900 new, 0 already imported, 100 failed in /m);
    const reportPath = `${first.path}.import-report.jsonl`;
    assert.ok(res.stderr.includes(`100 failed line(s) listed in ${reportPath}`), res.stderr);

    const report = reportLines(reportPath);
    assert.deepEqual(
      report.map((r) => r.line),
      [...first.bad.keys()],
      'the report lists exactly the bad lines, in order',
    );
    for (const r of report) assert.equal(r.error_code, first.bad.get(r.line), `line ${r.line}: ${r.error_message}`);
    const reportText = readFileSync(reportPath, 'utf8');
    for (const k of first.allKeys) assert.ok(!reportText.includes(k), 'the report never contains a raw key');
    assert.ok(!reportText.includes(TOKEN));
    for (const out of [res.stdout, res.stderr]) assert.doesNotMatch(out, /legacy_sk_/, 'nor does the output');

    assert.equal(await activeKeys(), 9900);
    // A few keys through the CLI, a few more over HTTP.
    for (const line of [1, 10_000]) {
      const v = await runKeysmith(['keys', 'verify', '-', '--endpoint', server.url], { env: cliEnv, input: `${first.good.get(line)}\n` });
      assert.equal(v.code, 0, `the key of line ${line} verifies: ${v.stdout}${v.stderr}`);
      assert.match(v.stdout, /is_valid\s+true/);
    }
    for (const line of [2, 5000, 9999]) assert.ok(await verifies(first.good.get(line) as string), `the key of line ${line} verifies`);
    // A key whose line the server refused (surrounding whitespace) was not imported trimmed either.
    const refused = [...first.bad].find(([, code]) => code.endsWith('INVALID_ARGUMENT'))?.[0] as number;
    assert.equal(await verifies(first.allKeys[refused - 1]), false);
  });

  test('a second run of the same file imports nothing new', async () => {
    const before = await activeKeys();
    const res = await runKeysmith(importArgs(first.path), { env: cliEnv, timeoutMs: 60_000 });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stdout, /^0 new, 9900 already imported, 100 failed in /m);
    assert.equal(await activeKeys(), before, 'the key count is unchanged');
    assert.deepEqual(
      reportLines(`${first.path}.import-report.jsonl`).map((r) => r.line),
      [...first.bad.keys()],
    );
  });

  test('a run killed with SIGKILL midway, run again, leaves every good key exactly once', async (t) => {
    const base = await activeKeys();
    const big = writeImportFile('big.jsonl', 40_000, 'big', (n) => n % 1000 === 500);
    const goodCount = big.good.size;

    // The CLI as its own process, so it can be killed while batches are in flight.
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KEYSMITH_')) env[k] = v;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...importArgs(big.path)], {
      cwd: REPO_ROOT,
      env: { ...env, ...cliEnv },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    spawned.add(child);
    const exited = once(child, 'exit');
    // Kill once the server has committed a few batches (usage counts committed keys).
    const deadline = Date.now() + 30_000;
    let committed = 0;
    while (committed < 3000) {
      assert.ok(child.exitCode === null, 'the import is still running');
      assert.ok(Date.now() < deadline, `no progress within 30 s (${committed} keys)`);
      await new Promise((r) => setTimeout(r, 25));
      committed = (await activeKeys()) - base;
    }
    child.kill('SIGKILL');
    await exited;
    assert.equal(child.signalCode, 'SIGKILL');
    // A batch in flight at the kill may still commit: wait until the count is stable.
    let partial = (await activeKeys()) - base;
    for (;;) {
      await new Promise((r) => setTimeout(r, 400));
      const now = (await activeKeys()) - base;
      if (now === partial) break;
      partial = now;
    }
    assert.ok(partial >= 3000 && partial < goodCount, `killed midway (${partial} of ${goodCount} keys in)`);
    t.diagnostic(`killed at ${committed} committed keys; ${partial} of ${goodCount} in once the server settled`);

    const res = await runKeysmith(importArgs(big.path), { env: cliEnv, timeoutMs: 60_000 });
    assert.equal(res.code, 1, `the bad lines fail again\n${res.stderr}`);
    const m = /^(\d+) new, (\d+) already imported, (\d+) failed in /m.exec(res.stdout);
    assert.ok(m, res.stdout);
    assert.deepEqual(
      { created: Number(m[1]), already: Number(m[2]), failed: Number(m[3]) },
      { created: goodCount - partial, already: partial, failed: big.bad.size },
      'the keys of the killed run are replayed, the rest created',
    );
    assert.deepEqual(
      reportLines(`${big.path}.import-report.jsonl`).map((r) => r.line),
      [...big.bad.keys()],
    );

    assert.equal(await activeKeys(), base + goodCount);
    const names = await listedNames();
    assert.equal(names.length, first.good.size + goodCount, 'no key twice, none missing');
    const listed = new Set(names);
    assert.equal(listed.size, names.length, 'every name once');
    for (const n of big.good.keys()) assert.ok(listed.has(`big-${n}`), `line ${n} is imported`);
    for (const n of first.good.keys()) assert.ok(listed.has(`first-${n}`));
    for (const line of [1, 20_000, 40_000]) assert.ok(await verifies(big.good.get(line) as string), `the key of line ${line} verifies`);
  });
});

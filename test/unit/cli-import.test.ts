// `keysmith keys import` against a real local HTTP server that fakes importedApiKeys:batchCreate
// with in-memory semantics (SPEC §3 "Batch import"): per-item results, replays by request_id,
// duplicates by key, all-failed batches as AIP-193 errors, plus switches for 503s, 413s, a server
// that goes away, slow answers and a required token.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerImportCommand } from '../../src/cli/import-command.js';
import { registerKeysCommands, reportError } from '../../src/cli/keys-command.js';

const TOKEN = 'ks_pat_import_test_secret_token';
const ERR = 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_';
const DOMINANT_STATUS: Record<string, [number, string, string]> = {
  ALREADY_EXISTS: [409, 'ALREADY_EXISTS', 'API_KEY_EXISTS'],
  INVALID_ARGUMENT: [400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'],
  FAILED_PRECONDITION: [409, 'FAILED_PRECONDITION', 'FAILED_PRECONDITION'],
  RESOURCE_EXHAUSTED: [402, 'RESOURCE_EXHAUSTED', 'API_KEY_QUOTA_EXCEEDED'],
};

type Item = Record<string, unknown>;

/** In-memory batchCreate. State survives across runs until reset(). */
class FakeKeysmith {
  keys = new Map<string, Item>(); // key material → stored item
  requestIds = new Map<string, string>(); // request_id → key material
  creates = 0;
  calls = 0;
  received: Item[] = [];
  fail503Once = false;
  failedOnce = new Set<string>();
  dieAfterCalls: number | undefined;
  delayMs = 0;
  maxBodyBytes: number | undefined;
  requireToken = false;
  quota: number | undefined;

  reset(): void {
    Object.assign(this, new FakeKeysmith());
  }

  handle(req: IncomingMessage, text: string, res: ServerResponse): void {
    this.calls += 1;
    if (this.dieAfterCalls !== undefined && this.calls > this.dieAfterCalls) {
      req.socket.destroy();
      return;
    }
    const send = (status: number, body: unknown): void => {
      const out = JSON.stringify(body);
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(out);
      }, this.delayMs);
    };
    const error = (status: number, name: string, reason: string, message: string): void =>
      send(status, {
        error: { code: status, status: name, message, details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'keysmith' }] },
      });
    if (req.url !== '/v2alpha1/admin/importedApiKeys:batchCreate' || req.method !== 'POST') {
      error(404, 'NOT_FOUND', 'ROUTE_NOT_FOUND', 'no route');
      return;
    }
    // The message echoes the header: the CLI must redact it.
    if (this.requireToken && req.headers.authorization !== `Bearer ${TOKEN}`) {
      error(401, 'UNAUTHENTICATED', 'UNAUTHENTICATED', `bad credentials: ${req.headers.authorization}`);
      return;
    }
    if (this.maxBodyBytes !== undefined && Buffer.byteLength(text) > this.maxBodyBytes) {
      error(413, 'INVALID_ARGUMENT', 'PAYLOAD_TOO_LARGE', 'too large');
      return;
    }
    const requests = (JSON.parse(text) as { requests: Item[] }).requests;
    if (!Array.isArray(requests) || requests.length < 1 || requests.length > 1000) {
      error(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'requests: 1–1000 items');
      return;
    }
    const first = String(requests[0].request_id);
    if (this.fail503Once && !this.failedOnce.has(first)) {
      this.failedOnce.add(first);
      error(503, 'UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'database unavailable');
      return;
    }
    this.received.push(...requests);
    const results: Item[] = requests.map((item, index) => ({ index, ...this.#importOne(item) }));
    const failures = results.filter((r) => 'error_code' in r);
    if (failures.length === results.length) {
      const tally = new Map<string, number>();
      for (const f of failures) tally.set(f.error_code as string, (tally.get(f.error_code as string) ?? 0) + 1);
      const dominant = [...tally].sort((a, b) => b[1] - a[1])[0][0].slice(ERR.length);
      const [status, name, reason] = DOMINANT_STATUS[dominant];
      error(status, name, reason, `all ${results.length} items failed; first: ${failures[0].error_message}`);
      return;
    }
    send(200, { results, success_count: results.length - failures.length, failure_count: failures.length });
  }

  #importOne(item: Item): Record<string, unknown> {
    const material = (item.raw_key ?? item.sha256) as string | undefined;
    const fail = (code: string, message: string) => ({ error_code: ERR + code, error_message: message });
    if (!item.name || !item.actor_id || !material || (item.raw_key && item.sha256)) return fail('INVALID_ARGUMENT', 'name, actor_id and one key are required');
    if (item.ttl !== undefined && !/^\d+(s|m|h|d|w|mo|y)$/.test(String(item.ttl))) return fail('INVALID_ARGUMENT', `ttl: bad duration "${item.ttl}"`);
    // Echo the key in messages, as a careless server might: the CLI must scrub it.
    if (String(item.raw_key ?? '').startsWith('eyJ')) return fail('FAILED_PRECONDITION', `"${material}" looks like a derived token`);
    const seen = this.requestIds.get(String(item.request_id));
    if (seen !== undefined) return { imported_api_key: { key_id: `k-${seen.length}`, name: this.keys.get(seen)?.name }, replayed: true };
    if (this.keys.has(material)) return fail('ALREADY_EXISTS', `key ${material} already exists`);
    if (this.quota !== undefined && this.keys.size >= this.quota) return fail('RESOURCE_EXHAUSTED', 'quota exceeded');
    this.keys.set(material, item);
    this.requestIds.set(String(item.request_id), material);
    this.creates += 1;
    return { imported_api_key: { key_id: `k-${this.creates}`, name: item.name }, replayed: false };
  }
}

const fake = new FakeKeysmith();
let server: Server;
let endpoint: string;
let dir: string;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => fake.handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'keysmith-import-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => fake.reset());

interface Run {
  out: string;
  err: string;
  code: number;
}

/** `keysmith keys import …` in-process; a fast retry policy when `fastRetry`. */
async function run(args: string[], opts: { fastRetry?: boolean; token?: string } = {}): Promise<Run> {
  let out = '';
  let err = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, readStdin: async () => '' };
  const program = new Command('keysmith');
  if (opts.fastRetry) {
    const keys = program.command('keys').option('-e, --endpoint <url>').option('--token <token>').option('-f, --format <f>', '', 'table');
    registerImportCommand(keys, io, (e, token) => reportError(e, token, io.stderr), {
      retry: { retries: 5, baseDelayMs: 1, maxDelayMs: 2, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    });
  } else {
    registerKeysCommands(program, io);
  }
  process.exitCode = undefined;
  await program.parseAsync(['keys', '-e', endpoint, '--token', opts.token ?? TOKEN, 'import', ...args], { from: 'user' });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { out, err, code };
}

function reportOf(path: string): { line: number; error_code: string; error_message: string }[] {
  const text = readFileSync(path, 'utf8');
  return text
    ? text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
}

const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/** A JSONL file of `n` lines; every 100th line (from 37) is bad in one of eight ways. */
function writeJsonl(name: string, n: number, salt = 'a'): { path: string; bad: number[]; secrets: string[]; good: number } {
  const lines: string[] = [];
  const bad: number[] = [];
  const secrets: string[] = [];
  for (let i = 1; i <= n; i++) {
    const raw = `legacy_${salt}_${i}_${sha256Hex(`${salt}${i}`).slice(0, 24)}`;
    secrets.push(raw);
    const item: Item = { raw_key: raw, name: `key ${i}`, actor_id: `svc-${i % 7}`, scopes: ['read'], metadata: { n: i } };
    if (i % 10 === 3) {
      delete item.raw_key;
      item.sha256 = sha256Hex(raw);
      secrets.push(item.sha256 as string);
    }
    if (i % 100 === 37) {
      bad.push(i);
      const kind = Math.floor(i / 100) % 8;
      if (kind === 0) lines.push(`{"raw_key":"${raw}", "name": oops}`);
      else if (kind === 1) lines.push(JSON.stringify({ ...item, name: undefined }));
      else if (kind === 2) lines.push(JSON.stringify({ ...item, raw_key: raw, sha256: sha256Hex(raw) }));
      else if (kind === 3) lines.push(JSON.stringify({ ...item, metadata: 'not an object' }));
      else if (kind === 4) lines.push(JSON.stringify({ ...item, raw_key: `eyJ${raw}`, sha256: undefined }));
      else if (kind === 5) lines.push(JSON.stringify({ ...item, ttl: 'forever' }));
      else if (kind === 6) lines.push(JSON.stringify({ ...item, actor_id: '' }));
      else lines.push(JSON.stringify({ ...item, scope: ['typo'] }));
      if (kind === 4) secrets.push(`eyJ${raw}`);
      continue;
    }
    lines.push(JSON.stringify(item));
  }
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, bad, secrets, good: n - bad.length };
}

function assertNoSecrets(text: string, secrets: string[]): void {
  assert.ok(!text.includes(TOKEN), 'the token leaked');
  for (const s of secrets) assert.ok(!text.includes(s), `a key leaked: ${s.slice(0, 12)}…`);
}

describe('keys import: JSON Lines, 10,000 lines with 1 % bad', () => {
  it('imports the good lines, reports exactly the bad ones, and a re-run imports nothing new', async () => {
    const f = writeJsonl('ten-k.jsonl', 10_000);
    const first = await run(['--file', f.path, '-f', 'json']);
    assert.equal(first.code, 1, first.err);
    const summary = JSON.parse(first.out);
    assert.equal(summary.created, f.good);
    assert.equal(summary.failed, f.bad.length);
    assert.equal(fake.creates, f.good);
    const report = reportOf(`${f.path}.import-report.jsonl`);
    assert.deepEqual(
      report.map((r) => r.line),
      f.bad,
      'report lists the bad lines, in line order',
    );
    const codes = new Set(report.map((r) => r.error_code));
    for (const c of ['INVALID_JSON', 'INVALID_ITEM', `${ERR}FAILED_PRECONDITION`, `${ERR}INVALID_ARGUMENT`]) assert.ok(codes.has(c), c);
    assertNoSecrets(readFileSync(`${f.path}.import-report.jsonl`, 'utf8') + first.out + first.err, f.secrets);
    assert.match(first.err, /100 failed line\(s\) listed in /);

    const second = await run(['--file', f.path, '-f', 'json']);
    assert.equal(second.code, 1, 'only the bad lines fail again');
    const again = JSON.parse(second.out);
    assert.deepEqual([again.created, again.replayed, again.already_existed, again.failed], [0, f.good, 0, f.bad.length]);
    assert.equal(fake.creates, f.good, 'nothing imported twice');
    assert.deepEqual(
      reportOf(`${f.path}.import-report.jsonl`).map((r) => r.line),
      f.bad,
    );
  });

  it('table output: one summary line; a clean file exits 0 with an empty report', async () => {
    const path = join(dir, 'clean.ndjson');
    writeFileSync(path, `{"raw_key":"k-1","name":"a","actor_id":"x"}\r\n\n{"sha256":"${'ab'.repeat(32)}","name":"b","actor_id":"x","request_id":"mine-2"}`);
    const r = await run(['--file', path, '--report', join(dir, 'clean-report.jsonl')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^2 new, 0 already imported, 0 failed in \d+\.\ds \([\d,]+ keys\/s\)\n$/);
    assert.equal(readFileSync(join(dir, 'clean-report.jsonl'), 'utf8'), '');
    assert.equal(fake.received[1].request_id, 'mine-2');
    assert.equal(fake.received[0].request_id, `imp-0000001-${sha256Hex('keysmith/import-request-id/v1|k-1').slice(0, 24)}`);
  });
});

describe('keys import: CSV', () => {
  it('parses RFC 4180 quoting, multi-line fields and scopes; bad records go to the report', async () => {
    const csv = [
      'raw_key,name,actor_id,scopes,ttl,metadata,request_id',
      'k1,"Name, with comma",svc,"read write,admin",30d,"{""team"":""a,b""}",',
      '"k""2",plain,svc,,,,',
      'k3,"multi',
      'line name",svc,read,,,rid-3',
      'k4,bad meta,svc,,,{not json},',
      'k5,"x"y,svc,,,,',
      'k6,too,few',
      '',
      '"k7,unterminated,svc,,,,',
      'k8,after,svc,,,,',
    ].join('\r\n');
    const path = join(dir, 'keys.csv');
    writeFileSync(path, `\ufeff${csv}\r\n`);
    const r = await run(['--file', path]);
    assert.equal(r.code, 1, r.err);
    const byKey = new Map(fake.received.map((i) => [i.raw_key, i]));
    assert.deepEqual([...byKey.keys()], ['k1', 'k"2', 'k3', 'k8']);
    assert.deepEqual(byKey.get('k1'), {
      raw_key: 'k1',
      name: 'Name, with comma',
      actor_id: 'svc',
      scopes: ['read', 'write', 'admin'],
      metadata: { team: 'a,b' },
      ttl: '30d',
      request_id: `imp-0000002-${sha256Hex('keysmith/import-request-id/v1|k1').slice(0, 24)}`,
    });
    assert.equal(byKey.get('k3')?.name, 'multi\nline name');
    assert.equal(byKey.get('k3')?.request_id, 'rid-3');
    const report = reportOf(`${path}.import-report.jsonl`);
    assert.deepEqual(
      report.map((x) => [x.line, x.error_code]),
      [
        [6, 'INVALID_ITEM'],
        [7, 'INVALID_CSV'],
        [8, 'INVALID_CSV'],
        [10, 'INVALID_CSV'],
      ],
    );
    assertNoSecrets(readFileSync(`${path}.import-report.jsonl`, 'utf8'), ['k4', 'k5', 'k7']);
  });

  it('a bad header is a usage error: exit 2, nothing sent', async () => {
    for (const header of ['raw_key,name,actor_id,colour', 'raw_key,name', 'raw_key,name,actor_id,name']) {
      const path = join(dir, 'header.csv');
      writeFileSync(path, `${header}\nk,n,a,b\n`);
      const r = await run(['--file', path]);
      assert.equal(r.code, 2, header);
      assert.match(r.err, /^error: CSV header \(line 1\): /, header);
    }
    assert.equal(fake.calls, 0);
  });
});

describe('keys import: failures of whole batches', () => {
  const lines = (n: number, f: (i: number) => Item) => Array.from({ length: n }, (_, i) => JSON.stringify(f(i + 1))).join('\n');

  it('an all-failed 409 "already exists" counts as already imported; other all-failed answers are failures', async () => {
    const a = join(dir, 'a.jsonl');
    writeFileSync(
      a,
      lines(10, (i) => ({ raw_key: `dup-${i}`, name: 'n', actor_id: 'x' })),
    );
    assert.equal((await run(['--file', a])).code, 0);
    // Same keys under other request ids: every item is ALREADY_EXISTS, so the server answers 409.
    const b = join(dir, 'b.jsonl');
    writeFileSync(
      b,
      lines(10, (i) => ({ raw_key: `dup-${i}`, name: 'n', actor_id: 'x', request_id: `other-${i}` })),
    );
    const rb = await run(['--file', b, '-f', 'json']);
    assert.equal(rb.code, 0, rb.err);
    assert.equal(JSON.parse(rb.out).already_existed, 10);

    const c = join(dir, 'c.jsonl');
    writeFileSync(
      c,
      lines(5, (i) => ({ raw_key: `eyJsecret${i}`, name: 'n', actor_id: 'x' })),
    );
    const rc = await run(['--file', c]);
    assert.equal(rc.code, 1);
    const rep = reportOf(`${c}.import-report.jsonl`);
    assert.deepEqual(
      rep.map((x) => [x.line, x.error_code]),
      [1, 2, 3, 4, 5].map((l) => [l, 'FAILED_PRECONDITION']),
    );
    assertNoSecrets(JSON.stringify(rep), ['eyJsecret1', 'eyJsecret2']);
    assert.match(rep[0].error_message, /\[REDACTED\]/);

    const d = join(dir, 'd.jsonl');
    writeFileSync(
      d,
      lines(3, (i) => ({ raw_key: `ttl-${i}`, name: 'n', actor_id: 'x', ttl: 'never' })),
    );
    const rd = await run(['--file', d]);
    assert.equal(rd.code, 1);
    assert.deepEqual(
      reportOf(`${d}.import-report.jsonl`).map((x) => x.error_code),
      ['INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'],
    );

    fake.quota = fake.keys.size;
    const e = join(dir, 'e.jsonl');
    writeFileSync(
      e,
      lines(4, (i) => ({ raw_key: `q-${i}`, name: 'n', actor_id: 'x' })),
    );
    const re = await run(['--file', e, '--batch-size', '2']);
    assert.equal(re.code, 1);
    assert.deepEqual(
      reportOf(`${e}.import-report.jsonl`).map((x) => x.error_code),
      Array(4).fill('API_KEY_QUOTA_EXCEEDED'),
    );
    assert.equal(fake.calls, 6, 'a 402 batch does not stop the run');
  });

  it('retries a 503 and imports everything once', async () => {
    fake.fail503Once = true;
    const f = writeJsonl('retry.jsonl', 2_500, 'r');
    const r = await run(['--file', f.path, '-f', 'json']);
    assert.equal(JSON.parse(r.out).created, f.good);
    assert.equal(fake.calls, 6, 'three batches, each answered 503 once');
    assert.equal(fake.creates, f.good);
  });

  it('413: halves the batch until it fits', async () => {
    fake.maxBodyBytes = 20_000;
    const path = join(dir, 'big.jsonl');
    writeFileSync(
      path,
      lines(300, (i) => ({ raw_key: `big-${i}`, name: 'n', actor_id: 'x', metadata: { pad: 'p'.repeat(200) } })),
    );
    const r = await run(['--file', path]);
    assert.equal(r.code, 0, r.err);
    assert.equal(fake.creates, 300);
  });

  it('401 stops the run at once (exit 1) and the token appears nowhere', async () => {
    fake.requireToken = true;
    const f = writeJsonl('auth.jsonl', 3_000, 't');
    const wrong = 'ks_pat_wrong_token_value';
    const r = await run(['--file', f.path, '--batch-size', '100'], { token: wrong });
    assert.equal(r.code, 1);
    assert.ok(fake.calls <= 2, `stopped after the batches in flight (${fake.calls} calls)`);
    assert.match(r.err, /error: stopped: 401 UNAUTHENTICATED: .*lines from \d+ on were not sent/);
    const text = r.out + r.err + readFileSync(`${f.path}.import-report.jsonl`, 'utf8');
    assert.ok(!text.includes(wrong), 'the token leaked');
    assert.match(text, /\[REDACTED\]/);
  });
});

describe('keys import: resumability', () => {
  it('a server that goes away midway: the run stops (exit 1); a re-run completes with every key once', async () => {
    const f = writeJsonl('resume.jsonl', 2_000, 'g');
    fake.dieAfterCalls = 5;
    const r1 = await run(['--file', f.path, '--batch-size', '100', '-f', 'json'], { fastRetry: true });
    assert.equal(r1.code, 1);
    const s1 = JSON.parse(r1.out);
    assert.match(s1.stopped, /unreachable/);
    assert.ok(fake.creates > 0 && fake.creates < f.good);
    const failed = reportOf(`${f.path}.import-report.jsonl`).filter((x) => x.error_code === 'UNAVAILABLE');
    assert.ok(failed.length >= 200 && failed.length % 100 === 0, `whole batches given up (${failed.length})`);

    fake.dieAfterCalls = undefined;
    const r2 = await run(['--file', f.path, '--batch-size', '100', '-f', 'json']);
    const s2 = JSON.parse(r2.out);
    assert.equal(s2.created + s2.replayed, f.good);
    assert.equal(s2.replayed, s1.created);
    assert.equal(fake.creates, f.good, 'every good key exactly once');
    assert.equal(fake.keys.size, f.good);
  });

  it('SIGKILL midway, then a re-run: no duplicates, nothing missing', async () => {
    const f = writeJsonl('killed.jsonl', 4_000, 'k');
    fake.delayMs = 20;
    const script = `import { Command } from 'commander';
import { registerKeysCommands } from './src/cli/keys-command.js';
const p = new Command('keysmith'); registerKeysCommands(p);
await p.parseAsync(process.argv.slice(1), { from: 'user' });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'keys', 'import', '--file', f.path, '--batch-size', '100'], {
      cwd: new URL('../..', import.meta.url),
      env: { ...process.env, KEYSMITH_ENDPOINT: endpoint, KEYSMITH_TOKEN: TOKEN },
      stdio: 'ignore',
    });
    let exitCode: number | null | undefined;
    const exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        exitCode = code;
        resolve(code);
      }),
    );
    const deadline = Date.now() + 10_000;
    while (fake.calls < 15 && exitCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    assert.equal(await exited, null, 'killed, not exited');
    const importedBeforeKill = fake.creates;
    assert.ok(importedBeforeKill > 0 && importedBeforeKill < f.good, `killed midway (${importedBeforeKill} imported)`);

    fake.delayMs = 0;
    const r = await run(['--file', f.path, '-f', 'json']);
    const s = JSON.parse(r.out);
    assert.equal(s.created + s.replayed, f.good);
    assert.equal(s.created, f.good - importedBeforeKill);
    assert.equal(fake.creates, f.good);
    assert.equal(fake.keys.size, f.good);
  });
});

describe('keys import: usage errors exit 2 and send nothing', () => {
  it('rejects bad options, unreadable files and ambiguous formats', async () => {
    const ok = join(dir, 'ok.jsonl');
    writeFileSync(ok, '{"raw_key":"k","name":"n","actor_id":"a"}\n');
    const txt = join(dir, 'keys.txt');
    writeFileSync(txt, '');
    const cases: [string[], RegExp][] = [
      [[], /--file <path> is required/],
      [['--file', join(dir, 'missing.jsonl')], /cannot read .*ENOENT/],
      [['--file', dir, '--format-in', 'jsonl'], /not a regular file/],
      [['--file', txt], /--format-in jsonl or csv/],
      [['--file', ok, '--format-in', 'xml'], /--format-in must be jsonl or csv/],
      [['--file', ok, '--batch-size', '0'], /--batch-size must be a positive integer/],
      [['--file', ok, '--batch-size', '1001'], /at most 1000/],
      [['--file', ok, '--concurrency', 'two'], /--concurrency must be a positive integer/],
      [['--file', ok, '--report', ok], /must not be the input file/],
      [['--file', ok, '--report', join(dir, 'no-such-dir', 'r.jsonl')], /--report: cannot write/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /^error: [^\n]+\n$/, args.join(' '));
      assert.match(r.err, message, args.join(' '));
    }
    assert.equal(fake.calls, 0);
  });

  it('an unreachable API exits 1', async () => {
    const path = join(dir, 'down.jsonl');
    writeFileSync(path, '{"raw_key":"k","name":"n","actor_id":"a"}\n');
    let out = '';
    let err = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, readStdin: async () => '' };
    const program = new Command('keysmith');
    const keys = program.command('keys').option('-e, --endpoint <url>').option('--token <token>').option('-f, --format <f>', '', 'table');
    registerImportCommand(keys, io, (e, token) => reportError(e, token, io.stderr), {
      retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} },
    });
    await program.parseAsync(['keys', '-e', 'http://127.0.0.1:9', 'import', '--file', path], { from: 'user' });
    assert.equal(process.exitCode, 1);
    process.exitCode = undefined;
    assert.match(readFileSync(`${path}.import-report.jsonl`, 'utf8'), /"error_code":"UNAVAILABLE".*cannot reach Keysmith/);
    assert.match(out, /0 new, 0 already imported, 1 failed/);
    assert.match(err, /1 failed line/);
  });
});

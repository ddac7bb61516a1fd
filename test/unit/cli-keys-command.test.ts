import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerKeysCommands } from '../../src/cli/keys-command.js';

const TOKEN = 'ks_pat_cmdtest_secret_token';
const KEY = { key_id: 'k-1', name: 'ci', actor_id: 'svc', scopes: ['read'], status: 'KEY_STATUS_ACTIVE' };
const SECRET = 'ks_ak_v1_abc_def';

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: unknown;
}
let seen: Seen[] = [];
let server: Server;
let endpoint: string;

/** A canned Keysmith: enough routes for the CLI paths under test. */
function answer(method: string, url: string, body: Record<string, unknown>): [number, unknown] {
  if (url.includes('/missing')) {
    return [404, { error: { code: 404, status: 'NOT_FOUND', message: 'not found', details: [{ reason: 'API_KEY_NOT_FOUND' }] } }];
  }
  if (url.endsWith(':verify')) return [200, { is_valid: body.credential === 'good', key_id: 'k-1' }];
  if (url.endsWith(':revoke')) return [204, undefined];
  if (url.endsWith(':derive')) return [200, { token: { token: body.algorithm === 'TOKEN_ALGORITHM_MACAROON' ? 'mc_v1_x' : 'eyJ.x.y' } }];
  if (url.endsWith(':rotate')) return [201, { issued_api_key: { ...KEY, key_id: 'k-2' }, secret: SECRET, old_issued_api_key: KEY }];
  if (method === 'POST') return [201, { issued_api_key: KEY, secret: body.request_id === 'replay' ? undefined : SECRET }];
  if (url.startsWith('/v2alpha1/admin/issuedApiKeys?') || url === '/v2alpha1/admin/issuedApiKeys') {
    const token = new URL(url, 'http://x').searchParams.get('page_token');
    if (token === 'loop') return [200, { issued_api_keys: [], next_page_token: 'loop' }];
    return [200, { issued_api_keys: [{ ...KEY, key_id: token ? 'k-p2' : 'k-p1' }], next_page_token: token ? '' : 'page2' }];
  }
  return [200, KEY];
}

before(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const body = text ? JSON.parse(text) : undefined;
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      const [status, out] = answer(req.method ?? '', req.url ?? '', body ?? {});
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(out === undefined ? '' : JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  seen = [];
  process.exitCode = undefined;
});

/** Runs `keysmith keys …` in-process, capturing stdout, stderr and the exit code. */
async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  return runWithStdin('', ...args);
}

async function runWithStdin(stdin: string, ...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const program = new Command('keysmith');
  registerKeysCommands(program, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    readStdin: async () => stdin,
  });
  process.exitCode = undefined;
  await program.parseAsync(['keys', '-e', endpoint, ...args], { from: 'user' });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { out, err, code };
}

describe('keysmith keys (in-process)', () => {
  it('issue: request fields, secret once, warning on stderr', async () => {
    const r = await run(
      '--token',
      TOKEN,
      'issue',
      'ci',
      '--actor',
      'svc',
      '--scopes',
      'read,write',
      '--ttl',
      '30d',
      '--metadata',
      '{"team":"x"}',
      '--rate-limit',
      '100/60s',
      '--allowed-cidrs',
      '10.0.0.0/8',
      '--visibility',
      'public',
      '--request-id',
      'r-1',
    );
    assert.equal(r.code, 0);
    assert.deepEqual(seen[0].body, {
      name: 'ci',
      actor_id: 'svc',
      scopes: ['read', 'write'],
      ttl: '30d',
      metadata: { team: 'x' },
      rate_limit_policy: { quota: '100', window: '60s' },
      ip_restriction: { allowed_cidrs: ['10.0.0.0/8'] },
      visibility: 'KEY_VISIBILITY_PUBLIC',
      request_id: 'r-1',
    });
    assert.equal(seen[0].auth, `Bearer ${TOKEN}`);
    assert.equal(r.out.split(SECRET).length, 2, 'secret printed exactly once');
    assert.match(r.out, /^secret +ks_ak_v1_abc_def$/m);
    assert.equal(r.err, 'Store this secret now: it cannot be shown again.\n');
  });

  it('issue -f json prints the raw response; a replay has no secret and says so', async () => {
    const json = await run('-f', 'json', 'issue');
    assert.deepEqual(JSON.parse(json.out), { issued_api_key: KEY, secret: SECRET });
    assert.equal(json.err, '');
    const replay = await run('issue', '--request-id', 'replay');
    assert.doesNotMatch(replay.out, /secret/);
    assert.match(replay.err, /^note: no secret/);
  });

  it('list builds the filter; --all follows next_page_token', async () => {
    const r = await run('list', '--actor', 'a"b', '--status', 'active', '--all', '--page-size', '2', '-f', 'json');
    assert.deepEqual(
      JSON.parse(r.out).issued_api_keys.map((k: { key_id: string }) => k.key_id),
      ['k-p1', 'k-p2'],
    );
    const q = seen.map((s) => new URL(s.url, endpoint).searchParams);
    assert.equal(q[0].get('filter'), 'actor_id="a\\"b" AND status=KEY_STATUS_ACTIVE');
    assert.deepEqual(
      q.map((p) => [p.get('page_size'), p.get('page_token')]),
      [
        ['2', null],
        ['2', 'page2'],
      ],
    );
  });

  it('list --all stops when the server repeats a page token', async () => {
    const r = await run('list', '--all', '--page-token', 'loop');
    assert.equal(r.code, 1);
    assert.match(r.err, /repeated a page token/);
  });

  it('update: mask = given fields plus cleared ones', async () => {
    await run('update', 'k-1', '--scopes', 'a', '--clear', 'rate-limit');
    assert.equal(seen[0].method, 'PATCH');
    assert.equal(seen[0].url, '/v2alpha1/admin/issuedApiKeys/k-1?update_mask=scopes,rate_limit_policy');
    assert.deepEqual(seen[0].body, { scopes: ['a'], rate_limit_policy: null });
  });

  it('rotate prints the new key, the old key id and the secret', async () => {
    const r = await run('rotate', 'k-1', '--visibility', 'secret');
    assert.deepEqual(seen[0].body, { visibility: 'KEY_VISIBILITY_SECRET' });
    assert.match(r.out, /^key_id +k-2$/m);
    assert.match(r.out, /^old_key_id +k-1$/m);
    assert.match(r.out, /^secret +ks_ak_v1_abc_def$/m);
  });

  it('revoke maps the reason (default key_compromise)', async () => {
    const r = await run('revoke', 'k-1');
    await run('revoke', 'k-1', '--reason', 'privilege_withdrawn', '--description', 'left team');
    assert.equal(r.out, 'revoked k-1 (key_compromise)\n');
    assert.deepEqual(
      seen.map((s) => s.body),
      [{ reason: 'REVOCATION_REASON_KEY_COMPROMISE' }, { reason: 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN', description: 'left team' }],
    );
  });

  it('derive: --algorithm jwt (default) or macaroon; anything else is a usage error', async () => {
    assert.equal((await runWithStdin(SECRET, 'derive', '-')).out, 'eyJ.x.y\n');
    assert.equal((await runWithStdin(SECRET, 'derive', '-', '--algorithm', 'macaroon')).out, 'mc_v1_x\n');
    assert.equal((await runWithStdin(SECRET, 'derive', '-', '--algorithm', 'hs256')).code, 2);
    assert.deepEqual(
      seen.map((s) => (s.body as { algorithm: string }).algorithm),
      ['TOKEN_ALGORITHM_JWT', 'TOKEN_ALGORITHM_MACAROON'],
    );
  });

  it('verify: exit code 0 when valid, 1 when not', async () => {
    assert.equal((await run('verify', 'good')).code, 0);
    const bad = await run('verify', 'nope', '-f', 'json');
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(bad.out).is_valid, false);
  });

  it('verify - reads stdin (one credential, trailing newline ignored)', async () => {
    assert.equal((await runWithStdin('good\n', 'verify', '-')).code, 0);
    assert.deepEqual(seen[0].body, { credential: 'good' });
    assert.equal((await runWithStdin('a\nb\n', 'verify', '-')).code, 2);
    assert.equal((await runWithStdin('', 'verify', '-')).code, 2);
    assert.equal(seen.length, 1);
  });

  it('API error: one line, exit 1, no token', async () => {
    const r = await run('--token', TOKEN, 'get', 'missing');
    assert.equal(r.code, 1);
    assert.equal(r.err, 'error: 404 NOT_FOUND: not found (API_KEY_NOT_FOUND)\n');
    assert.equal(r.out, '');
  });

  it('bad input: one line, exit 2, nothing sent', async () => {
    const cases: string[][] = [
      ['issue', '--metadata', '{bad'],
      ['issue', '--rate-limit', 'lots'],
      ['issue', '--request-id', 'x'.repeat(37)],
      ['revoke', 'k-1', '--reason', 'lost'],
      ['list', '--status', 'gone'],
      ['update', 'k-1'],
      ['get', 'k-1', '-e', 'ftp://x'],
    ];
    for (const args of cases) {
      const r = await run(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /^error: [^\n]+\n$/, args.join(' '));
    }
    assert.equal(seen.length, 0);
  });
});

/** Runs the real process: stdin, and commander's own usage errors (which exit the process). */
function spawnKeys(args: string[], stdin = ''): Promise<{ out: string; err: string; code: number | null }> {
  const script = `import { Command } from 'commander';
import { registerKeysCommands } from './src/cli/keys-command.js';
const p = new Command('keysmith'); registerKeysCommands(p);
await p.parseAsync(process.argv.slice(1), { from: 'user' });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'keys', ...args], {
    cwd: new URL('../..', import.meta.url),
    env: { ...process.env, KEYSMITH_ENDPOINT: endpoint, KEYSMITH_TOKEN: TOKEN },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    err += c;
  });
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ out, err, code })));
}

describe('keysmith keys (process)', () => {
  it('verify - reads the credential from stdin; env supplies endpoint and token', async () => {
    const r = await spawnKeys(['verify', '-'], 'good\n');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(seen[0], { method: 'POST', url: '/v2alpha1/admin/apiKeys:verify', auth: `Bearer ${TOKEN}`, body: { credential: 'good' } });
    assert.match(r.out, /^is_valid +true$/m);
  });

  it('commander usage errors exit 2; --help shows no token', async () => {
    const unknown = await spawnKeys(['get', 'k', '--bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown option '--bogus'/);
    const help = await spawnKeys(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /KEYSMITH_TOKEN/);
    assert.ok(!help.out.includes(TOKEN));
  });
});

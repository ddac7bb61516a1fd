import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerAuditCommands } from '../../src/cli/audit-command.js';
import { buildProgram } from '../../src/cli/index.js';
import { ApiError, OperatorClient } from '../../src/cli/operator-client.js';
import type { OperatorIo } from '../../src/cli/operator-context.js';
import { registerProjectsCommands } from '../../src/cli/projects-command.js';
import { registerTokensCommands } from '../../src/cli/tokens-command.js';

// The operator token must never appear in any output; the PAT secret only on `tokens create` stdout.
const OP_TOKEN = 'op-test-token-0123456789abcdefghijklmnop';
const PAT = 'ks_pat_v1_created_secret_value';
const BASE = '/operator/v1/projects';
const ID = '0b6c2d4e-8a4b-4c1e-9d7e-2f5a1b3c4d5e';
const PROJECT = {
  id: ID,
  slug: 'acme',
  name: 'Acme Corp',
  plan: 'developer',
  api_keys_enabled: true,
  custom_domains: ['keys.acme.example'],
  create_time: '2026-11-27T07:00:00.000Z',
  update_time: '2026-11-27T07:00:00.000Z',
  usage: { active_keys: 12, max_active_keys: 10000 },
};
const FREE = {
  ...PROJECT,
  id: 'p-2',
  slug: 'zeta',
  name: 'Zeta',
  plan: 'custom',
  api_keys_enabled: false,
  custom_domains: [],
  usage: { active_keys: 0, max_active_keys: null },
};
const CONFIG = {
  api_keys: { prefix: { current: 'ks', retired: ['old'] }, default_ttl: '90d' },
  cache: { enabled: false, ttl: '30s' },
  cors: { enabled: false, allowed_origins: [] },
};
const TOKEN = { id: 't-1', name: 'gateway', permissions: ['verify'], create_time: '2026-11-27T07:00:00.000Z', expire_time: null, revoke_time: null };
const EVENT = (n: number) => ({
  id: `e-${n}`,
  time: `2026-11-27T07:00:0${n}.000Z`,
  action: 'key.revoke',
  actor: 'token:t-1',
  key_id: `k-${n}`,
  reason: 'REVOCATION_REASON_KEY_COMPROMISE',
  request_id: `r-${n}`,
  details: {},
});
const aip193 = (code: number, status: string, message: string, reason: string) => ({
  error: { code, status, message, details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'keysmith' }] },
});

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  auth?: string;
  contentType?: string;
  body: unknown;
}
let seen: Seen[] = [];
let server: Server;
let endpoint: string;

/** A canned operator API: enough routes for every CLI path under test. */
function answer(method: string, path: string, q: Record<string, string>, body: unknown): [number, unknown] {
  const P = `${BASE}/acme`;
  if (path.startsWith(`${BASE}/missing`)) return [404, aip193(404, 'NOT_FOUND', 'project not found', 'PROJECT_NOT_FOUND')];
  // A server (or proxy) that echoes the Authorization header back: the CLI must redact it.
  if (path.startsWith(`${BASE}/echo`)) return [403, aip193(403, 'PERMISSION_DENIED', `bad token ${OP_TOKEN}`, 'DENIED')];
  if (path.startsWith(`${BASE}/locked`)) return [401, aip193(401, 'UNAUTHENTICATED', 'operator token required', 'UNAUTHENTICATED')];
  const route = `${method} ${path}`;
  switch (route) {
    case `GET ${BASE}`:
      return q.page_token === 'p2' ? [200, { projects: [FREE], next_page_token: '' }] : [200, { projects: [PROJECT], next_page_token: 'p2' }];
    case `POST ${BASE}`:
      return [201, { ...PROJECT, ...(body as object) }];
    case `GET ${P}`:
      return [200, PROJECT];
    case `GET ${BASE}/zeta`:
      return [200, FREE];
    case `PATCH ${P}`:
      return [200, { ...PROJECT, ...(body as object) }];
    case `DELETE ${P}`:
      return [204, undefined];
    case `POST ${P}:enableApiKeys`:
      return [200, { project: PROJECT, changed: false, message: 'API keys were already enabled; nothing changed.' }];
    case `GET ${P}/config`:
    case `PATCH ${P}/config`:
      return [200, { config: CONFIG }];
    case `POST ${P}/hmacSecrets:rotate`:
      return [
        200,
        {
          hmac_secrets: [
            { id: 'h-2', state: 'current', create_time: 't2' },
            { id: 'h-1', state: 'retired', create_time: 't1', expire_time: 't3' },
          ],
        },
      ];
    case `GET ${P}/signingKeys`:
    case `POST ${P}/signingKeys:rotate`:
      return [200, { signing_keys: [{ kid: 'kid-1', alg: 'EdDSA', state: 'current', create_time: 't1' }] }];
    case `POST ${P}/tokens`:
      return [201, { token: { ...TOKEN, ...(body as object) }, secret: PAT }];
    case `GET ${P}/tokens`:
      return [200, { tokens: [TOKEN, { ...TOKEN, id: 't-0', name: 'old', permissions: ['admin', 'read'], revoke_time: 't9' }] }];
    case `POST ${P}/tokens/t-1:revoke`:
      return [204, undefined];
    case `POST ${P}/tokens/t-9:revoke`:
      return [404, aip193(404, 'NOT_FOUND', 'token not found', 'TOKEN_NOT_FOUND')];
    case `GET ${P}/auditEvents`:
      if (q.page_token === 'loop') return [200, { audit_events: [], next_page_token: 'loop' }];
      return q.page_token === 'a2' ? [200, { audit_events: [EVENT(1)], next_page_token: '' }] : [200, { audit_events: [EVENT(2)], next_page_token: 'a2' }];
    default:
      return [404, aip193(404, 'NOT_FOUND', `no route ${route}`, 'NO_ROUTE')];
  }
}

before(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const query = Object.fromEntries(url.searchParams);
      const body = text ? JSON.parse(text) : undefined;
      seen.push({ method: req.method ?? '', path: url.pathname, query, auth: req.headers.authorization, contentType: req.headers['content-type'], body });
      const [status, out] = answer(req.method ?? '', url.pathname, query, body);
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

const REGISTER: Record<string, (p: Command, io: Partial<OperatorIo>) => void> = {
  projects: registerProjectsCommands,
  tokens: registerTokensCommands,
  audit: registerAuditCommands,
};

/** Runs `keysmith <group> …` in-process with the operator token, capturing stdout, stderr and the exit code. */
async function run(group: string, ...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const program = new Command('keysmith');
  REGISTER[group](program, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  process.exitCode = undefined;
  await program.parseAsync([group, '-e', endpoint, '--operator-token', OP_TOKEN, ...args], { from: 'user' });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  // Whatever the command, the operator token never reaches the terminal.
  assert.ok(!out.includes(OP_TOKEN) && !err.includes(OP_TOKEN), `operator token printed by ${group} ${args.join(' ')}`);
  return { out, err, code };
}

const only = (): Seen => {
  assert.equal(seen.length, 1, 'exactly one request');
  return seen[0];
};
const lines = (s: string) => s.trimEnd().split('\n');

describe('keysmith projects', () => {
  it('list: GET with the operator token; table columns; --all follows next_page_token', async () => {
    const r = await run('projects', 'list');
    assert.equal(r.code, 0, r.err);
    const req = only();
    assert.deepEqual([req.method, req.path, req.query, req.auth], ['GET', BASE, {}, `Bearer ${OP_TOKEN}`]);
    assert.deepEqual(lines(r.out), [
      'SLUG  NAME       PLAN       API_KEYS  KEYS      DOMAINS            ID',
      `acme  Acme Corp  developer  enabled   12/10000  keys.acme.example  ${ID}`,
    ]);
    assert.equal(r.err, 'more projects: --page-token p2 (or --all)\n');

    seen = [];
    const all = await run('projects', 'list', '--all', '--page-size', '1', '-f', 'json');
    assert.deepEqual(JSON.parse(all.out), { projects: [PROJECT, FREE], next_page_token: '' });
    assert.deepEqual(
      seen.map((s) => s.query),
      [{ page_size: '1' }, { page_size: '1', page_token: 'p2' }],
    );
    assert.equal(all.err, '');
  });

  it('get: field table with usage spread out (null limit = unlimited); json is the raw project', async () => {
    const r = await run('projects', 'get', 'acme');
    assert.equal(only().path, `${BASE}/acme`);
    assert.match(r.out, /^slug +acme$/m);
    assert.match(r.out, /^active_keys +12$/m);
    assert.match(r.out, /^max_active_keys +10000$/m);
    assert.doesNotMatch(r.out, /usage/);
    assert.match((await run('projects', 'get', 'zeta')).out, /^max_active_keys +unlimited$/m);
    assert.deepEqual(JSON.parse((await run('projects', '-f', 'json', 'get', 'acme')).out), PROJECT);
  });

  it('create: body from the options; absent options stay absent', async () => {
    const r = await run('projects', 'create', 'acme', '--name', 'Acme Corp', '--plan', 'developer', '--domains', 'a.example, b.example', '--enable');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(only().method, 'POST');
    assert.deepEqual(only().path, BASE);
    assert.equal(only().contentType, 'application/json');
    assert.deepEqual(only().body, { slug: 'acme', name: 'Acme Corp', plan: 'developer', custom_domains: ['a.example', 'b.example'], enable_api_keys: true });
    seen = [];
    await run('projects', 'create', 'beta');
    assert.deepEqual(only().body, { slug: 'beta' });
  });

  it('update: PATCH with the given fields; --domains "" clears; nothing given is exit 2', async () => {
    await run('projects', 'update', 'acme', '--plan', 'production', '--domains', '');
    assert.deepEqual([only().method, only().path, only().body], ['PATCH', `${BASE}/acme`, { plan: 'production', custom_domains: [] }]);
    seen = [];
    const none = await run('projects', 'update', 'acme');
    assert.equal(none.code, 2);
    assert.equal(seen.length, 0);
  });

  it('delete: refuses without --yes (exit 2, nothing sent); with --yes sends DELETE', async () => {
    const refused = await run('projects', 'delete', 'acme');
    assert.equal(refused.code, 2);
    assert.match(refused.err, /^error: .*--yes/);
    assert.equal(seen.length, 0);
    const r = await run('projects', 'delete', 'acme', '--yes');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual([only().method, only().path, only().body], ['DELETE', `${BASE}/acme`, undefined]);
    assert.equal(r.out, 'deleted project acme\n');
    assert.deepEqual(JSON.parse((await run('projects', 'delete', 'acme', '--yes', '-f', 'json')).out), { project: 'acme', deleted: true });
  });

  it('enable: :enableApiKeys with the algorithm (case-insensitive); changed row, message on stderr', async () => {
    const r = await run('projects', 'enable', 'acme', '--algorithm', 'es256');
    assert.deepEqual([only().method, only().path, only().body], ['POST', `${BASE}/acme:enableApiKeys`, { signing_algorithm: 'ES256' }]);
    assert.match(r.out, /^changed +false$/m);
    assert.match(r.out, /^api_keys_enabled +true$/m);
    assert.equal(r.err, 'API keys were already enabled; nothing changed.\n');
    seen = [];
    const json = await run('projects', 'enable', 'acme', '-f', 'json');
    assert.deepEqual(only().body, {});
    assert.equal(JSON.parse(json.out).changed, false);
  });

  it('config get: dotted paths in table mode, raw {config} in json', async () => {
    const r = await run('projects', 'config', 'get', 'acme');
    assert.equal(only().path, `${BASE}/acme/config`);
    assert.deepEqual(lines(r.out), [
      'api_keys.prefix.current  ks',
      'api_keys.prefix.retired  old',
      'api_keys.default_ttl     90d',
      'cache.enabled            false',
      'cache.ttl                30s',
      'cors.enabled             false',
      'cors.allowed_origins     -',
    ]);
    // Connection options also work after a nested subcommand.
    assert.deepEqual(JSON.parse((await run('projects', 'config', 'get', 'acme', '-f', 'json')).out), { config: CONFIG });
  });

  it('config set: PATCH with the merge patch, inline or @file', async () => {
    const patch = { cache: { enabled: true }, cors: null };
    await run('projects', 'config', 'set', 'acme', '--patch', JSON.stringify(patch));
    assert.deepEqual([only().method, only().path, only().body], ['PATCH', `${BASE}/acme/config`, patch]);
    const file = join(mkdtempSync(join(tmpdir(), 'keysmith-cli-')), 'patch.json');
    writeFileSync(file, '{"rate_limit":{"enabled":true}}\n');
    seen = [];
    const r = await run('projects', 'config', 'set', 'acme', '--patch', `@${file}`);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(only().body, { rate_limit: { enabled: true } });
  });

  it('rotate-hmac: retired_ttl only when given; secrets table', async () => {
    const r = await run('projects', 'rotate-hmac', 'acme', '--retired-ttl', '24h');
    assert.deepEqual([only().method, only().path, only().body], ['POST', `${BASE}/acme/hmacSecrets:rotate`, { retired_ttl: '24h' }]);
    assert.deepEqual(lines(r.out), ['ID   STATE    CREATED  EXPIRES', 'h-2  current  t2       -', 'h-1  retired  t1       t3']);
    seen = [];
    await run('projects', 'rotate-hmac', 'acme');
    assert.deepEqual(only().body, {});
  });

  it('rotate-signing-key and signing-keys', async () => {
    const r = await run('projects', 'rotate-signing-key', 'acme', '--mode', 'revoke', '--algorithm', 'RS256');
    assert.deepEqual([only().method, only().path, only().body], ['POST', `${BASE}/acme/signingKeys:rotate`, { mode: 'revoke', algorithm: 'RS256' }]);
    assert.deepEqual(lines(r.out), ['KID    ALG    STATE    CREATED', 'kid-1  EdDSA  current  t1']);
    seen = [];
    const list = await run('projects', 'signing-keys', 'acme', '-f', 'json');
    assert.deepEqual([only().method, only().path], ['GET', `${BASE}/acme/signingKeys`]);
    assert.equal(JSON.parse(list.out).signing_keys[0].kid, 'kid-1');
  });
});

describe('keysmith tokens', () => {
  it('create: request body; the secret once on stdout, the warning on stderr', async () => {
    const r = await run('tokens', 'create', 'acme', '--name', 'gateway', '--permissions', 'admin, READ,verify,read', '--ttl', '90d');
    assert.equal(r.code, 0, r.err);
    const req = only();
    assert.deepEqual([req.method, req.path, req.auth], ['POST', `${BASE}/acme/tokens`, `Bearer ${OP_TOKEN}`]);
    assert.deepEqual(req.body, { name: 'gateway', permissions: ['admin', 'read', 'verify'], ttl: '90d' });
    assert.equal(r.out.split(PAT).length, 2, 'secret printed exactly once');
    assert.match(r.out, new RegExp(`^secret +${PAT}$`, 'm'));
    assert.match(r.out, /^id +t-1$/m);
    assert.equal(r.err, 'Store this token now: it cannot be shown again.\n');
    assert.ok(!r.err.includes(PAT));
  });

  it('create -f json prints the raw {token, secret}; no ttl sent when absent', async () => {
    const r = await run('tokens', '-f', 'json', 'create', 'acme', '--name', 'gw', '--permissions', 'verify');
    assert.deepEqual(only().body, { name: 'gw', permissions: ['verify'] });
    assert.deepEqual(JSON.parse(r.out), { token: { ...TOKEN, name: 'gw', permissions: ['verify'] }, secret: PAT });
  });

  it('list: table of tokens, never a secret', async () => {
    const r = await run('tokens', 'list', 'acme');
    assert.deepEqual([only().method, only().path], ['GET', `${BASE}/acme/tokens`]);
    assert.deepEqual(lines(r.out), [
      'ID   NAME     PERMISSIONS  CREATED                   EXPIRES  REVOKED',
      't-1  gateway  verify       2026-11-27T07:00:00.000Z  -        -',
      't-0  old      admin,read   2026-11-27T07:00:00.000Z  -        t9',
    ]);
    assert.ok(!r.out.includes(PAT));
  });

  it('revoke: POST …/tokens/{id}:revoke with no body; unknown token is exit 1', async () => {
    const r = await run('tokens', 'revoke', 'acme', 't-1');
    assert.equal(r.code, 0, r.err);
    const req = only();
    assert.deepEqual([req.method, req.path, req.body, req.contentType], ['POST', `${BASE}/acme/tokens/t-1:revoke`, undefined, undefined]);
    assert.equal(r.out, 'revoked token t-1\n');
    const missing = await run('tokens', 'revoke', 'acme', 't-9');
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'error: 404 NOT_FOUND: token not found (TOKEN_NOT_FOUND)\n');
  });
});

describe('keysmith audit', () => {
  it('list: filters as query parameters; table columns time, action, actor, key_id, reason', async () => {
    const r = await run('audit', 'list', 'acme', '--action', 'key.revoke', '--key-id', 'k-2', '--actor', 'token:t-1', '--page-size', '5');
    const req = only();
    assert.deepEqual([req.method, req.path], ['GET', `${BASE}/acme/auditEvents`]);
    assert.deepEqual(req.query, { page_size: '5', action: 'key.revoke', key_id: 'k-2', actor: 'token:t-1' });
    assert.deepEqual(lines(r.out), [
      'TIME                      ACTION      ACTOR      KEY_ID  REASON',
      '2026-11-27T07:00:02.000Z  key.revoke  token:t-1  k-2     REVOCATION_REASON_KEY_COMPROMISE',
    ]);
    assert.equal(r.err, 'more events: --page-token a2 (or --all)\n');
  });

  it('list --all follows next_page_token with the same filter', async () => {
    const r = await run('audit', 'list', 'acme', '--all', '--actor', 'operator', '-f', 'json');
    assert.deepEqual(JSON.parse(r.out), { audit_events: [EVENT(2), EVENT(1)], next_page_token: '' });
    assert.deepEqual(
      seen.map((s) => s.query),
      [{ actor: 'operator' }, { page_token: 'a2', actor: 'operator' }],
    );
  });

  it('list --all stops when the server repeats a page token', async () => {
    const r = await run('audit', 'list', 'acme', '--all', '--page-token', 'loop');
    assert.equal(r.code, 1);
    assert.match(r.err, /repeated a page token/);
  });
});

describe('operator commands: errors and secrets', () => {
  it('AIP-193 error: one line on stderr, exit 1, nothing on stdout', async () => {
    const r = await run('projects', 'get', 'missing');
    assert.equal(r.code, 1);
    assert.equal(r.err, 'error: 404 NOT_FOUND: project not found (PROJECT_NOT_FOUND)\n');
    assert.equal(r.out, '');
  });

  it('an operator token echoed by the server is redacted', async () => {
    const r = await run('projects', 'get', 'echo');
    assert.equal(r.code, 1);
    assert.equal(r.err, 'error: 403 PERMISSION_DENIED: bad token [REDACTED] (DENIED)\n');
  });

  it('OperatorClient: ApiError fields from the AIP-193 body, token redacted at the source', async () => {
    const client = new OperatorClient({ endpoint: `${endpoint}/`, token: OP_TOKEN });
    const err = await client.getProject('echo').catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.deepEqual([err.status, err.statusName, err.reason], [403, 'PERMISSION_DENIED', 'DENIED']);
    assert.equal(err.message, '403 PERMISSION_DENIED: bad token [REDACTED] (DENIED)');
    assert.equal(only().path, `${BASE}/echo`, 'trailing slash of the endpoint dropped');
  });

  it('401 without a token hints at KEYSMITH_OPERATOR_TOKEN', async () => {
    let err = '';
    const program = new Command('keysmith');
    registerProjectsCommands(program, { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } });
    const saved = process.env.KEYSMITH_OPERATOR_TOKEN;
    delete process.env.KEYSMITH_OPERATOR_TOKEN;
    try {
      await program.parseAsync(['projects', '-e', endpoint, 'get', 'locked'], { from: 'user' });
    } finally {
      if (saved !== undefined) process.env.KEYSMITH_OPERATOR_TOKEN = saved;
    }
    assert.equal(Number(process.exitCode), 1);
    assert.equal(only().auth, undefined);
    assert.match(err, /^hint: set KEYSMITH_OPERATOR_TOKEN/m);
  });

  it('unreachable server: exit 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await run('projects', 'list', '-e', `http://127.0.0.1:${port}`);
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: cannot reach Keysmith at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it('bad input: one line, exit 2, nothing sent', async () => {
    const missingFile = join(tmpdir(), 'keysmith-no-such-patch.json');
    const cases: string[][] = [
      ['projects', 'config', 'set', 'acme', '--patch', '{bad json'],
      ['projects', 'config', 'set', 'acme', '--patch', '[1,2]'],
      ['projects', 'config', 'set', 'acme', '--patch', 'null'],
      ['projects', 'config', 'set', 'acme', '--patch', `@${missingFile}`],
      ['projects', 'enable', 'acme', '--algorithm', 'HS256'],
      ['projects', 'rotate-signing-key', 'acme', '--mode', 'now'],
      ['projects', 'rotate-hmac', 'acme', '--retired-ttl', 'forever'],
      ['projects', 'get', '../etc'],
      ['projects', 'get', 'a:b'],
      ['projects', 'list', '--page-size', '0'],
      ['projects', 'get', 'acme', '-e', 'ftp://x'],
      ['tokens', 'create', 'acme', '--name', 'n', '--permissions', 'admin,write'],
      ['tokens', 'create', 'acme', '--name', 'n', '--permissions', ','],
      ['tokens', 'create', 'acme', '--name', 'n', '--permissions', 'read', '--ttl', '-1s'],
      ['tokens', 'revoke', 'acme', 't/1'],
      ['audit', 'list', 'acme', '--page-size', 'ten'],
    ];
    for (const [group, ...args] of cases) {
      const r = await run(group, ...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /^error: [^\n]+\n$/, args.join(' '));
      assert.equal(r.out, '', args.join(' '));
    }
    assert.equal(seen.length, 0);
  });

  it('buildProgram registers projects, tokens and audit', () => {
    const names = buildProgram().commands.map((c) => c.name());
    for (const group of ['projects', 'tokens', 'audit']) assert.ok(names.includes(group), group);
  });
});

/** Runs the real process: env-supplied connection options, and commander's own usage errors (which exit). */
function spawnCli(args: string[]): Promise<{ out: string; err: string; code: number | null }> {
  const script = `import { buildProgram } from './src/cli/index.js';
await buildProgram().parseAsync(process.argv.slice(1), { from: 'user' });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
    cwd: new URL('../..', import.meta.url),
    env: { ...process.env, KEYSMITH_ENDPOINT: endpoint, KEYSMITH_OPERATOR_TOKEN: OP_TOKEN },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    err += c;
  });
  child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ out, err, code })));
}

describe('operator commands (process)', () => {
  it('env supplies endpoint and operator token', async () => {
    const r = await spawnCli(['tokens', 'list', 'acme']);
    assert.equal(r.code, 0, r.err);
    assert.equal(only().auth, `Bearer ${OP_TOKEN}`);
    assert.match(r.out, /^t-1 +gateway/m);
    assert.ok(!r.out.includes(OP_TOKEN) && !r.err.includes(OP_TOKEN));
  });

  it('commander usage errors exit 2 with nothing sent; --help never shows the token', async () => {
    for (const args of [
      ['projects', 'get', 'acme', '--bogus'],
      ['tokens', 'create', 'acme', '--name', 'x'],
      ['audit', 'list'],
      ['projects', 'config', 'set', 'acme'],
    ]) {
      const r = await spawnCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    }
    assert.equal(seen.length, 0);
    for (const group of ['projects', 'tokens', 'audit']) {
      const help = await spawnCli([group, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.out, /KEYSMITH_OPERATOR_TOKEN/);
      assert.ok(!help.out.includes(OP_TOKEN) && !help.err.includes(OP_TOKEN), group);
    }
  });
});

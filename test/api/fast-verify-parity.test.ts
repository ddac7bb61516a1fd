import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FastVerify } from '../../src/http/verify/fast-verify.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The verify fast path (src/http/verify/fast-verify.ts) answers `apiKeys:verify` on a listening server in
 * front of Fastify. Every case here goes once over real HTTP and once through Fastify's inject() (which
 * never reaches the fast path) with the same bytes; status, body and headers must be identical, and
 * the cases the fast path claims must really have been served by it.
 */
const URL_PATH = '/v2alpha1/admin/apiKeys:verify';
const IGNORED_HEADERS = new Set(['date', 'connection', 'keep-alive', 'x-request-id', 'transfer-encoding']);

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

let t: TestApp;
let port: number;
let valid: string;
let revoked: string;
let readOnlyToken: string;
let fastServed = 0;
let laneServed = 0;
const originalHandle = FastVerify.prototype.handle;
const originalHandleParsed = FastVerify.prototype.handleParsed;

function overHttp(headers: Record<string, string>, payload: string, path = URL_PATH): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function injected(headers: Record<string, string>, payload: string, path = URL_PATH): Promise<Answer> {
  const r = await t.app.api.inject({ method: 'POST', url: path, headers, payload });
  return { status: r.statusCode, headers: r.headers as Record<string, string>, body: r.body };
}

const comparable = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => !IGNORED_HEADERS.has(k)));

describe('verify fast path: identical answers to the Fastify route', () => {
  before(async () => {
    t = await createTestApp();
    await t.app.api.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.api.server.address() as AddressInfo).port;
    const a = await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'parity', scopes: ['a'], metadata: { m: 1 } });
    valid = a.json().secret;
    const b = await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'revoked' });
    revoked = b.json().secret;
    await t.call('POST', `/v2alpha1/admin/issuedApiKeys/${b.json().issued_api_key.key_id}:revoke`, {});
    readOnlyToken = (await t.app.tokens.create(t.app.bootstrap.projectId, 'read only', ['read'])).token;
    FastVerify.prototype.handle = function (this: FastVerify, ...args: Parameters<FastVerify['handle']>) {
      fastServed++;
      return originalHandle.apply(this, args);
    };
    // Requests read by the verify lane (verify-lane.ts) reach FastVerify here instead.
    FastVerify.prototype.handleParsed = function (this: FastVerify, ...args: Parameters<FastVerify['handleParsed']>) {
      fastServed++;
      laneServed++;
      return originalHandleParsed.apply(this, args);
    };
  });
  after(async () => {
    FastVerify.prototype.handle = originalHandle;
    FastVerify.prototype.handleParsed = originalHandleParsed;
    await t?.close();
  });

  const json = { 'content-type': 'application/json' };
  const auth = () => ({ authorization: `Bearer ${t.token}` });
  const big = 'x'.repeat(2 * 1024 * 1024);
  const cases: { name: string; headers: () => Record<string, string>; body: () => string; fast: boolean; status: number }[] = [
    { name: 'valid key', headers: () => ({ ...auth(), ...json }), body: () => JSON.stringify({ credential: valid }), fast: true, status: 200 },
    {
      name: 'valid key, charset and no-store',
      headers: () => ({ ...auth(), 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }),
      body: () => JSON.stringify({ credential: valid }),
      fast: true,
      status: 200,
    },
    {
      name: 'wrong checksum',
      headers: () => ({ ...auth(), ...json }),
      body: () => JSON.stringify({ credential: `${valid.slice(0, -3)}abc` }),
      fast: true,
      status: 200,
    },
    { name: 'revoked key', headers: () => ({ ...auth(), ...json }), body: () => JSON.stringify({ credential: revoked }), fast: true, status: 200 },
    { name: 'empty credential', headers: () => ({ ...auth(), ...json }), body: () => '{"credential":""}', fast: true, status: 200 },
    { name: 'NUL and CRLF', headers: () => ({ ...auth(), ...json }), body: () => JSON.stringify({ credential: 'a\u0000b\r\nc' }), fast: true, status: 200 },
    { name: 'SQL shape', headers: () => ({ ...auth(), ...json }), body: () => JSON.stringify({ credential: "' OR 1=1 --" }), fast: true, status: 200 },
    { name: 'no token', headers: () => ({ ...json }), body: () => JSON.stringify({ credential: valid }), fast: false, status: 401 },
    { name: 'bad token', headers: () => ({ authorization: 'Bearer ks_pat_nope', ...json }), body: () => '{}', fast: true, status: 401 },
    { name: 'not a bearer', headers: () => ({ authorization: 'Basic abc', ...json }), body: () => '{}', fast: true, status: 401 },
    {
      name: 'token without verify permission',
      headers: () => ({ authorization: `Bearer ${readOnlyToken}`, ...json }),
      body: () => '{}',
      fast: true,
      status: 403,
    },
    { name: 'malformed JSON', headers: () => ({ ...auth(), ...json }), body: () => '{"credential":', fast: true, status: 400 },
    { name: 'empty body', headers: () => ({ ...auth(), ...json }), body: () => '', fast: true, status: 400 },
    { name: 'JSON null', headers: () => ({ ...auth(), ...json }), body: () => 'null', fast: true, status: 400 },
    { name: 'JSON array', headers: () => ({ ...auth(), ...json }), body: () => '[]', fast: true, status: 400 },
    { name: 'missing credential', headers: () => ({ ...auth(), ...json }), body: () => '{}', fast: true, status: 400 },
    { name: 'wrong type', headers: () => ({ ...auth(), ...json }), body: () => '{"credential":123}', fast: true, status: 400 },
    { name: 'unknown field', headers: () => ({ ...auth(), ...json }), body: () => '{"credential":"a","x":1}', fast: true, status: 400 },
    {
      name: 'credential over 8 KiB',
      headers: () => ({ ...auth(), ...json }),
      body: () => JSON.stringify({ credential: 'k'.repeat(8193) }),
      fast: true,
      status: 400,
    },
    { name: '64 KB string', headers: () => ({ ...auth(), ...json }), body: () => JSON.stringify({ credential: 'k'.repeat(65536) }), fast: true, status: 400 },
    { name: 'body over the limit', headers: () => ({ ...auth(), ...json }), body: () => JSON.stringify({ credential: big }), fast: true, status: 413 },
    { name: '__proto__ key', headers: () => ({ ...auth(), ...json }), body: () => '{"credential":"a","__proto__":{"x":1}}', fast: true, status: 400 },
    {
      name: 'escaped __proto__ key',
      headers: () => ({ ...auth(), ...json }),
      body: () => '{"credential":"a","\\u005f_proto__":{"x":1}}',
      fast: true,
      status: 400,
    },
    {
      name: 'constructor.prototype',
      headers: () => ({ ...auth(), ...json }),
      body: () => '{"credential":"a","constructor":{"prototype":{}}}',
      fast: true,
      status: 400,
    },
    { name: 'text/plain', headers: () => ({ ...auth(), 'content-type': 'text/plain' }), body: () => 'hello', fast: false, status: 415 },
    {
      name: 'caller request id',
      headers: () => ({ ...auth(), ...json, 'x-request-id': 'req-123' }),
      body: () => JSON.stringify({ credential: valid }),
      fast: true,
      status: 200,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      // A first call warms whatever state a verify leaves behind (caches, proof memo, negative filter);
      // then both paths answer from the same state.
      await injected(c.headers(), c.body());
      const viaFastify = await injected(c.headers(), c.body());
      const before = fastServed;
      const viaHttp = await overHttp(c.headers(), c.body());
      assert.equal(fastServed - before, c.fast ? 1 : 0, 'served by the fast path?');
      assert.equal(viaHttp.status, c.status);
      assert.equal(viaHttp.status, viaFastify.status);
      assert.deepEqual(JSON.parse(viaHttp.body), JSON.parse(viaFastify.body));
      assert.deepEqual(comparable(viaHttp.headers), comparable(viaFastify.headers));
      assert.ok(viaHttp.headers['x-request-id']);
      if (c.headers()['x-request-id']) assert.equal(viaHttp.headers['x-request-id'], 'req-123');
    });
  }

  it('the verify lane read the plain cases itself (not only node:http)', () => {
    assert.ok(laneServed > 0, `lane served ${laneServed}`);
  });

  it('a query string or another path is left to Fastify', async () => {
    const before = fastServed;
    const r = await overHttp({ ...auth(), ...json }, JSON.stringify({ credential: valid }), `${URL_PATH}?x=1`);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).is_valid, true);
    assert.equal(fastServed, before);
  });

  it('writes the same access-log line and metric, without the credential', async () => {
    const lines = t.logs.lines.length;
    await overHttp({ ...auth(), ...json, 'x-request-id': 'log-check-1' }, JSON.stringify({ credential: valid }));
    const line = t.logs.lines.slice(lines).find((l) => l.includes('log-check-1'));
    assert.ok(line, 'access line present');
    const entry = JSON.parse(line);
    assert.equal(entry.route, '/v2alpha1/admin/apiKeys::verify');
    assert.equal(entry.status, 200);
    assert.ok(!t.logs.text().includes(valid), 'the credential never reaches the log');
    assert.ok(!t.logs.text().includes(t.token), 'the token never reaches the log');
  });
});

import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdminClient, ApiError } from '../../src/cli/http-client.js';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
interface Canned {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const TOKEN = 'ks_pat_test_0123456789abcdef';
const KEY = { key_id: '6f1c2d4e-0000-4000-8000-000000000001', name: 'ci', status: 'KEY_STATUS_ACTIVE' };
const notFound = {
  error: {
    code: 404,
    status: 'NOT_FOUND',
    message: 'api key not found',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_NOT_FOUND', domain: 'keysmith' }],
  },
};

let server: Server;
let endpoint: string;
let requests: Recorded[] = [];
let next: Canned = { status: 200, body: {} };

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const text = next.body === undefined ? '' : typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests = [];
  next = { status: 200, body: {} };
});

const client = () => new AdminClient({ endpoint, token: TOKEN });
const only = (): Recorded => {
  assert.equal(requests.length, 1);
  return requests[0];
};

describe('AdminClient requests', () => {
  it('issue: POST with JSON body and bearer token', async () => {
    next = { status: 201, body: { issued_api_key: KEY, secret: 'ks_ak_v1_x_y' } };
    const res = await client().issue({ name: 'ci', actor_id: 'svc', scopes: ['read'], ttl: '30d' });
    assert.equal(res.secret, 'ks_ak_v1_x_y');
    const r = only();
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/v2alpha1/admin/issuedApiKeys');
    assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body), { name: 'ci', actor_id: 'svc', scopes: ['read'], ttl: '30d' });
  });

  it('list: page_size, page_token and an encoded AIP-160 filter', async () => {
    next = { status: 200, body: { issued_api_keys: [KEY], next_page_token: 'tok2' } };
    const filter = 'actor_id="a\\"b" AND status=KEY_STATUS_ACTIVE';
    const res = await client().list({ pageSize: 10, pageToken: 'tok/1+=', filter });
    assert.equal(res.next_page_token, 'tok2');
    const url = new URL(only().url, endpoint);
    assert.equal(url.pathname, '/v2alpha1/admin/issuedApiKeys');
    assert.equal(url.searchParams.get('page_size'), '10');
    assert.equal(url.searchParams.get('page_token'), 'tok/1+=');
    assert.equal(url.searchParams.get('filter'), filter);
    assert.doesNotMatch(only().url, /[" ]/, 'quotes and spaces are percent-encoded');
    assert.equal(only().method, 'GET');
    assert.equal(only().body, '');
  });

  it('list: no query string without parameters; missing fields default', async () => {
    next = { status: 200, body: {} };
    assert.deepEqual(await client().list(), { issued_api_keys: [], next_page_token: '' });
    assert.equal(only().url, '/v2alpha1/admin/issuedApiKeys');
  });

  it('get: key id is path-encoded', async () => {
    next = { status: 200, body: KEY };
    assert.deepEqual(await client().get(KEY.key_id), KEY);
    assert.equal(only().url, `/v2alpha1/admin/issuedApiKeys/${KEY.key_id}`);
    await client().get('../x y');
    assert.equal(requests[1].url, '/v2alpha1/admin/issuedApiKeys/..%2Fx%20y');
  });

  it('update: PATCH, top-level body, literal commas in update_mask', async () => {
    next = { status: 200, body: KEY };
    await client().update(KEY.key_id, { name: 'n', rate_limit_policy: null }, ['name', 'rate_limit_policy']);
    const r = only();
    assert.equal(r.method, 'PATCH');
    assert.equal(r.url, `/v2alpha1/admin/issuedApiKeys/${KEY.key_id}?update_mask=name,rate_limit_policy`);
    assert.deepEqual(JSON.parse(r.body), { name: 'n', rate_limit_policy: null });
  });

  it('update: no mask, no query', async () => {
    await client().update(KEY.key_id, { scopes: ['a'] });
    assert.equal(only().url, `/v2alpha1/admin/issuedApiKeys/${KEY.key_id}`);
  });

  it('rotate and revoke: custom-method paths; 204 resolves to undefined', async () => {
    next = { status: 201, body: { issued_api_key: KEY, secret: 's', old_issued_api_key: KEY } };
    await client().rotate(KEY.key_id, { scopes: [] });
    next = { status: 204 };
    assert.equal(await client().revoke(KEY.key_id, { reason: 'REVOCATION_REASON_SUPERSEDED' }), undefined);
    assert.deepEqual(
      requests.map((r) => [r.method, r.url, JSON.parse(r.body)]),
      [
        ['POST', `/v2alpha1/admin/issuedApiKeys/${KEY.key_id}:rotate`, { scopes: [] }],
        ['POST', `/v2alpha1/admin/issuedApiKeys/${KEY.key_id}:revoke`, { reason: 'REVOCATION_REASON_SUPERSEDED' }],
      ],
    );
  });

  it('verify: POST {credential}; an invalid key is a 200 result, not an error', async () => {
    next = { status: 200, body: { is_valid: false, error_code: 'VERIFICATION_ERROR_NOT_FOUND' } };
    const res = await client().verify('ks_ak_v1_abc_def');
    assert.equal(res.is_valid, false);
    assert.equal(only().url, '/v2alpha1/admin/apiKeys:verify');
    assert.deepEqual(JSON.parse(only().body), { credential: 'ks_ak_v1_abc_def' });
  });

  it('no Authorization header without a token; a path prefix is kept', async () => {
    await new AdminClient({ endpoint: `${endpoint}/projects/acme/` }).get('k');
    assert.equal(only().headers.authorization, undefined);
    assert.equal(only().url, '/projects/acme/v2alpha1/admin/issuedApiKeys/k');
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const fake: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(JSON.stringify(KEY), { status: 200 });
    };
    await new AdminClient({ endpoint: 'https://keys.example', fetch: fake }).get('k');
    assert.deepEqual(seen, ['https://keys.example/v2alpha1/admin/issuedApiKeys/k']);
    assert.equal(requests.length, 0);
  });

  it('rejects a non-http endpoint', () => {
    assert.throws(() => new AdminClient({ endpoint: 'file:///etc/passwd' }), TypeError);
    assert.throws(() => new AdminClient({ endpoint: 'not a url' }), TypeError);
  });
});

describe('AdminClient errors', () => {
  it('parses AIP-193 into ApiError (status, reason, message, request id)', async () => {
    next = { status: 404, body: notFound, headers: { 'x-request-id': 'req-1' } };
    const err = await client()
      .get('missing')
      .catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 404);
    assert.equal(err.statusName, 'NOT_FOUND');
    assert.equal(err.reason, 'API_KEY_NOT_FOUND');
    assert.equal(err.requestId, 'req-1');
    assert.equal(err.message, '404 NOT_FOUND: api key not found (API_KEY_NOT_FOUND)');
    assert.deepEqual(err.body, notFound);
  });

  it('no reason: no parenthesis; missing status name: derived from the HTTP code', async () => {
    next = { status: 409, body: { error: { code: 409, message: 'already revoked' } } };
    const err = (await client()
      .revoke('k')
      .catch((e: unknown) => e)) as ApiError;
    assert.equal(err.message, '409 FAILED_PRECONDITION: already revoked');
    assert.equal(err.reason, undefined);
  });

  it('non-JSON error body: status and a one-line excerpt', async () => {
    next = { status: 502, body: '<html>\n<b>Bad gateway</b>\n</html>', headers: { 'content-type': 'text/html' } };
    const err = (await client()
      .list()
      .catch((e: unknown) => e)) as ApiError;
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 502);
    assert.equal(err.message, '502 BAD_GATEWAY: <html> <b>Bad gateway</b> </html>');
  });

  it('a redirect is not followed (the token would go with it)', async () => {
    next = { status: 307, headers: { location: 'http://elsewhere.example/' } };
    await assert.rejects(client().get('k'), /redirected to http:\/\/elsewhere\.example\//);
    assert.equal(requests.length, 1);
  });

  it('never puts the token in an error message', async () => {
    const echo = { error: { code: 401, status: 'UNAUTHENTICATED', message: `bad token ${TOKEN}` } };
    next = { status: 401, body: echo };
    const err = (await client()
      .get('k')
      .catch((e: unknown) => e)) as ApiError;
    assert.equal(err.status, 401);
    assert.ok(!err.message.includes(TOKEN), err.message);
    assert.match(err.message, /\[REDACTED\]/);
  });

  it('network failure names the endpoint, not the token', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = (await new AdminClient({ endpoint: `http://127.0.0.1:${port}`, token: TOKEN }).get('k').catch((e: unknown) => e)) as Error;
    assert.ok(!(err instanceof ApiError));
    assert.match(err.message, new RegExp(`^cannot reach Keysmith at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    assert.ok(!err.message.includes(TOKEN));
  });

  it('times out with a clear message', async () => {
    const hang = createServer(() => {});
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
    try {
      await assert.rejects(new AdminClient({ endpoint: url, timeoutMs: 100 }).get('k'), {
        message: `cannot reach Keysmith at ${url}: no answer within 100 ms`,
      });
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((resolve) => hang.close(() => resolve()));
    }
  });
});

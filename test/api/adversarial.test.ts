import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Hostile input against every endpoint (SPEC §3 "Errors"): each rejection is a 4xx in the AIP-193
// shape with a catalogue reason, never a 500 or a stack trace, and every response — errors, router
// misses, framework errors, unparseable HTTP — carries X-Request-ID. After the whole barrage the
// server still answers and nothing was half-written.

const BASE = '/v2alpha1/admin/issuedApiKeys';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const ALIAS = '/v2alpha1/admin/apiKeys';
const K64 = 'x'.repeat(64 * 1024);
const MIB_PLUS = 'y'.repeat(1024 * 1024 + 16);
const DEEP_ARRAY = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
const DEEP_OBJECT = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
const TEN_K = <T>(f: (i: number) => T): T[] => Array.from({ length: 10_000 }, (_, i) => f(i));
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** One request: `{id}` in the url is the target key. `json` is serialised; `raw` is sent as is. */
interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'OPTIONS';
  url: string;
  json?: unknown;
  raw?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
  /** undefined = the admin token; null = no Authorization header; string = that header value. */
  auth?: string | null;
  status: number;
  reason: string;
  allow?: string[];
}

let t: TestApp;
let targetId = '';

function send(c: Omit<Case, 'status' | 'reason'>): Promise<LightMyRequestResponse> {
  const hasBody = c.json !== undefined || c.raw !== undefined;
  const headers: Record<string, string> = {};
  if (c.auth === undefined) headers.authorization = `Bearer ${t.token}`;
  else if (c.auth !== null) headers.authorization = c.auth;
  if (hasBody && c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
  Object.assign(headers, c.headers);
  return t.app.api.inject({
    method: c.method,
    url: c.url.replaceAll('{id}', targetId),
    headers,
    ...(hasBody ? { payload: c.raw ?? JSON.stringify(c.json) } : {}),
  });
}

function assertRequestId(res: { headers: Record<string, unknown> }, ctx: string): void {
  const id = res.headers['x-request-id'];
  assert.equal(typeof id, 'string', `${ctx}: x-request-id missing`);
  assert.match(id as string, /^[\x21-\x7e]{1,128}$/, `${ctx}: x-request-id must be short and printable`);
}

/** The AIP-193 envelope of SPEC §3, with the given status and catalogue reason. */
function assertAip193(status: number, headers: Record<string, unknown>, text: string, expected: { status: number; reason: string }, ctx: string): void {
  const where = `${ctx} → ${status} ${text.slice(0, 300)}`;
  assert.equal(status, expected.status, where);
  assert.ok(status >= 400 && status < 500, where);
  assertRequestId({ headers }, where);
  assert.match(String(headers['content-type']), /^application\/json/, where);
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body), ['error'], where);
  const e = body.error;
  assert.equal(e.code, status, where);
  assert.match(e.status, /^[A-Z_]+$/, where);
  assert.equal(typeof e.message, 'string', where);
  assert.ok(e.message.length > 0, where);
  assert.ok(Array.isArray(e.details) && e.details.length >= 1, where);
  assert.equal(e.details[0]['@type'], 'type.googleapis.com/google.rpc.ErrorInfo', where);
  assert.equal(e.details[0].domain, 'keysmith', where);
  assert.equal(e.details[0].reason, expected.reason, where);
  assert.doesNotMatch(text, /\bat .+\.(ts|js):\d+|node_modules|FST_ERR/, `${where}: no stack traces or framework codes`);
}

async function expectCase(c: Case): Promise<LightMyRequestResponse> {
  const res = await send(c);
  assertAip193(res.statusCode, res.headers, res.body, c, c.name);
  if (c.allow) {
    const allow = String(res.headers.allow ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    assert.deepEqual(new Set(allow), new Set(c.allow), `${c.name}: Allow header`);
  }
  return res;
}

function runTable(cases: Case[]): void {
  for (const c of cases) it(`${c.method} ${c.name} → ${c.status} ${c.reason}`, () => expectCase(c).then(() => {}));
}

const BAD_REQ = { status: 400, reason: 'INVALID_ARGUMENT' };

/** Attacks on the body as a whole, the same for every endpoint that takes one. */
function bodyAttacks(label: string, method: Case['method'], url: string): Case[] {
  const c = (name: string, rest: Partial<Case>, expect: { status: number; reason: string }): Case => ({
    name: `${label}: ${name}`,
    method,
    url,
    ...rest,
    ...expect,
  });
  return [
    c('malformed JSON', { raw: '{"name":' }, { status: 400, reason: 'MALFORMED_JSON' }),
    c('JSON with trailing garbage', { raw: '{} x' }, { status: 400, reason: 'MALFORMED_JSON' }),
    c('empty body with content-type json', { raw: '' }, { status: 400, reason: 'MALFORMED_JSON' }),
    c('JSON array body', { raw: '[]' }, BAD_REQ),
    c('JSON number body', { raw: '5' }, BAD_REQ),
    c('JSON string body', { raw: '"x"' }, BAD_REQ),
    c('JSON null body', { raw: 'null' }, BAD_REQ),
    c('JSON true body', { raw: 'true' }, BAD_REQ),
    c('unknown field', { json: { definitely_not_a_field: 1 } }, BAD_REQ),
    c('prototype pollution (__proto__)', { raw: '{"__proto__":{"polluted":true}}' }, { status: 400, reason: 'MALFORMED_JSON' }),
    c('prototype pollution (constructor.prototype)', { raw: '{"constructor":{"prototype":{"polluted":true}}}' }, { status: 400, reason: 'MALFORMED_JSON' }),
    c('10,000-deep nested arrays', { raw: DEEP_ARRAY }, BAD_REQ),
    c('10,000-deep nested objects', { raw: DEEP_OBJECT }, BAD_REQ),
    c('body over 1 MiB', { json: { name: MIB_PLUS } }, { status: 413, reason: 'PAYLOAD_TOO_LARGE' }),
    c('non-JSON body over 1 MiB', { raw: MIB_PLUS }, { status: 413, reason: 'PAYLOAD_TOO_LARGE' }),
    c('content-type text/plain', { raw: '{}', contentType: 'text/plain' }, { status: 415, reason: 'UNSUPPORTED_MEDIA_TYPE' }),
    c('content-type form-urlencoded', { raw: 'name=x', contentType: 'application/x-www-form-urlencoded' }, { status: 415, reason: 'UNSUPPORTED_MEDIA_TYPE' }),
    c('content-type multipart', { raw: '--b\r\n\r\n--b--', contentType: 'multipart/form-data; boundary=b' }, { status: 415, reason: 'UNSUPPORTED_MEDIA_TYPE' }),
    c('content-type xml', { raw: '<a/>', contentType: 'application/xml' }, { status: 415, reason: 'UNSUPPORTED_MEDIA_TYPE' }),
    c('body without content-type', { raw: '{}', contentType: null }, { status: 415, reason: 'UNSUPPORTED_MEDIA_TYPE' }),
  ];
}

/** Wrong JSON types, hostile strings and oversize values, field by field, for issue/rotate/update bodies. */
function keyFieldAttacks(label: string, method: Case['method'], url: string, wrap: (fields: Record<string, unknown>) => unknown = (f) => f): Case[] {
  const c = (name: string, fields: Record<string, unknown>, reason = 'INVALID_ARGUMENT'): Case => ({
    name: `${label}: ${name}`,
    method,
    url,
    json: wrap(fields),
    status: 400,
    reason,
  });
  // Nesting this deep is beyond JSON.stringify's stack, so these bodies are spliced as text.
  const deep = (name: string, field: string, rawValue: string): Case => ({
    name: `${label}: ${name}`,
    method,
    url,
    raw: JSON.stringify(wrap({ [field]: '__RAW__' })).replace('"__RAW__"', rawValue),
    ...BAD_REQ,
  });
  return [
    c('name: 5', { name: 5 }),
    c('name: null', { name: null }),
    c('name: NUL byte', { name: 'a\u0000b' }),
    c('name: CRLF', { name: 'a\r\nb' }),
    c('name: 64 KB', { name: K64 }),
    c('scopes: "a"', { scopes: 'a' }),
    c('scopes: [1]', { scopes: [1] }),
    c('scopes: [null]', { scopes: [null] }),
    c('scopes: NUL byte', { scopes: ['read\u0000'] }),
    c('scopes: CRLF', { scopes: ['read\r\nwrite'] }),
    c('scopes: whitespace', { scopes: ['read write'] }),
    c('scopes: empty string', { scopes: [''] }),
    c('scopes: BOM (whitespace)', { scopes: ['\ufeffread'] }),
    c('scopes: 64 KB entry', { scopes: [K64] }),
    c('scopes: 10,000 entries', { scopes: TEN_K((i) => `s${i}`) }),
    c('scopes: nested array', { scopes: [['a']] }),
    c('metadata: []', { metadata: [] }),
    c('metadata: "x"', { metadata: 'x' }),
    c('metadata: 5', { metadata: 5 }),
    c('metadata: 64 KB value', { metadata: { a: K64 } }),
    c('metadata: 64 KB key', { metadata: { [K64]: 1 } }),
    c('metadata: 10,000 keys', { metadata: Object.fromEntries(TEN_K((i) => [`k${i}`, i])) }),
    c('metadata: 10,000-element array', { metadata: { a: TEN_K((i) => i) } }),
    deep('metadata: 10,000-deep nesting', 'metadata', DEEP_OBJECT),
    deep('metadata: 10,000-deep arrays', 'metadata', `{"a":${DEEP_ARRAY}}`),
    deep('scopes: 10,000-deep arrays', 'scopes', DEEP_ARRAY),
    deep('rate_limit_policy: 10,000-deep nesting', 'rate_limit_policy', DEEP_OBJECT),
    c('rate_limit_policy: "x"', { rate_limit_policy: 'x' }),
    c('rate_limit_policy: quota -1', { rate_limit_policy: { quota: -1, window: '60s' } }),
    c('rate_limit_policy: quota "-1"', { rate_limit_policy: { quota: '-1', window: '60s' } }),
    c('rate_limit_policy: quota 0', { rate_limit_policy: { quota: 0, window: '60s' } }),
    c('rate_limit_policy: quota "abc"', { rate_limit_policy: { quota: 'abc', window: '60s' } }),
    c('rate_limit_policy: quota 1.5', { rate_limit_policy: { quota: 1.5, window: '60s' } }),
    c('rate_limit_policy: quota 2^63', { rate_limit_policy: { quota: '9223372036854775808', window: '60s' } }),
    c('rate_limit_policy: quota 64 KB', { rate_limit_policy: { quota: K64, window: '60s' } }),
    c('rate_limit_policy: window "0s"', { rate_limit_policy: { quota: '10', window: '0s' } }),
    c('rate_limit_policy: window "-5s"', { rate_limit_policy: { quota: '10', window: '-5s' } }),
    c('rate_limit_policy: window "11y"', { rate_limit_policy: { quota: '10', window: '11y' } }),
    c('rate_limit_policy: window NUL', { rate_limit_policy: { quota: '10', window: '6\u00000s' } }),
    c('rate_limit_policy: window 64 KB', { rate_limit_policy: { quota: '10', window: K64 } }),
    c('rate_limit_policy: window missing', { rate_limit_policy: { quota: '10' } }),
    c('rate_limit_policy: unit bogus', { rate_limit_policy: { quota: '10', window: '60s', unit: 'bogus' } }),
    c('rate_limit_policy: unknown field', { rate_limit_policy: { quota: '10', window: '60s', burst: 5 } }),
    c('ip_restriction: 999.1.1.1/8', { ip_restriction: { allowed_cidrs: ['999.1.1.1/8'] } }),
    c('ip_restriction: /33', { ip_restriction: { allowed_cidrs: ['10.0.0.0/33'] } }),
    c('ip_restriction: hostname', { ip_restriction: { allowed_cidrs: ['example.com'] } }),
    c('ip_restriction: SQL shape', { ip_restriction: { allowed_cidrs: ["' OR 1=1 --"] } }),
    c('ip_restriction: NUL', { ip_restriction: { allowed_cidrs: ['10.0.0.1\u0000'] } }),
    c('ip_restriction: "x" instead of array', { ip_restriction: { allowed_cidrs: 'x' } }),
    c('ip_restriction: 10,000 entries', { ip_restriction: { allowed_cidrs: TEN_K(() => '10.0.0.0/8') } }),
    c('ip_restriction: 64 KB entry', { ip_restriction: { allowed_cidrs: [K64] } }),
    c('ip_restriction: unknown field', { ip_restriction: { denied_cidrs: ['10.0.0.0/8'] } }),
  ];
}

describe('adversarial input', () => {
  let before_: unknown;

  before(async () => {
    t = await createTestApp();
    const res = await t.call('POST', BASE, {
      name: 'target',
      actor_id: 'target-actor',
      scopes: ['read'],
      metadata: { a: 1 },
      rate_limit_policy: { quota: '5', window: '1m' },
    });
    assert.equal(res.statusCode, 201, res.body);
    targetId = res.json().issued_api_key.key_id;
    const list = await t.call('GET', `${BASE}?page_size=1000`);
    before_ = list.json();
  });
  after(() => t.close());

  describe('issue (POST /issuedApiKeys)', () => {
    runTable([
      ...bodyAttacks('issue', 'POST', BASE),
      ...keyFieldAttacks('issue', 'POST', BASE),
      ...(
        [
          ['actor_id: 5', { actor_id: 5 }],
          ['actor_id: NUL byte', { actor_id: 'user\u0000' }],
          ['actor_id: CRLF', { actor_id: 'user\r\nX-Injected: 1' }],
          ['actor_id: 64 KB', { actor_id: K64 }],
          ['ttl: 5', { ttl: 5 }],
          ['ttl: 64 KB', { ttl: K64 }],
          ['visibility: "BOGUS"', { visibility: 'BOGUS' }],
          ['visibility: 1', { visibility: 1 }],
          ['visibility: 64 KB', { visibility: K64 }],
          ['request_id: 37 characters', { request_id: 'r'.repeat(37) }],
          ['request_id: 5', { request_id: 5 }],
          ['request_id: NUL byte', { request_id: 'req\u0000' }],
          ['request_id: CRLF', { request_id: 'req\r\n' }],
          ['request_id: 64 KB', { request_id: K64 }],
        ] as const
      ).map(([name, json]): Case => ({ name: `issue: ${name}`, method: 'POST', url: BASE, json, ...BAD_REQ })),
      ...(['abc', '0s', '-1h', '11y', '1e400s', 'P1D', 'ttl\u0000', '60s\r\n'] as const).map(
        (ttl): Case => ({ name: `issue: ttl ${JSON.stringify(ttl)}`, method: 'POST', url: BASE, json: { ttl }, status: 400, reason: 'INVALID_TTL' }),
      ),
    ]);
  });

  describe('update (PATCH /issuedApiKeys/{id})', () => {
    const url = `${BASE}/{id}`;
    runTable([
      ...bodyAttacks('update', 'PATCH', url),
      ...keyFieldAttacks('update', 'PATCH', url),
      ...keyFieldAttacks('update (wrapped)', 'PATCH', url, (f) => ({ issued_api_key: f })).slice(0, 8),
      { name: 'update: key_id mismatch', method: 'PATCH', url, json: { key_id: UNKNOWN_ID, name: 'x' }, ...BAD_REQ },
      { name: 'update: key_id 64 KB', method: 'PATCH', url, json: { key_id: K64 }, ...BAD_REQ },
      { name: 'update: wrapper plus top-level field', method: 'PATCH', url, json: { issued_api_key: { name: 'x' }, name: 'y' }, ...BAD_REQ },
      { name: 'update: status 5 (output-only, wrong type)', method: 'PATCH', url, json: { status: 5 }, ...BAD_REQ },
      {
        name: 'update: update_mask=key_id',
        method: 'PATCH',
        url: `${url}?update_mask=key_id`,
        json: { name: 'x' },
        status: 400,
        reason: 'INVALID_UPDATE_MASK',
      },
      {
        name: 'update: update_mask=status',
        method: 'PATCH',
        url: `${url}?update_mask=status`,
        json: { name: 'x' },
        status: 400,
        reason: 'INVALID_UPDATE_MASK',
      },
      {
        name: 'update: update_mask with NUL',
        method: 'PATCH',
        url: `${url}?update_mask=name%00`,
        json: { name: 'x' },
        status: 400,
        reason: 'INVALID_UPDATE_MASK',
      },
      {
        name: 'update: update_mask SQL shape',
        method: 'PATCH',
        url: `${url}?update_mask=${encodeURIComponent('name; DROP TABLE api_keys; --')}`,
        json: { name: 'x' },
        status: 400,
        reason: 'INVALID_UPDATE_MASK',
      },
      { name: 'update: update_mask 64 KB', method: 'PATCH', url: `${url}?update_mask=${K64}`, json: { name: 'x' }, ...BAD_REQ },
      { name: 'update: update_mask repeated', method: 'PATCH', url: `${url}?update_mask=name&update_mask=scopes`, json: { name: 'x' }, ...BAD_REQ },
    ]);
  });

  describe('rotate (POST /issuedApiKeys/{id}:rotate)', () => {
    const url = `${BASE}/{id}:rotate`;
    runTable([
      ...bodyAttacks('rotate', 'POST', url),
      ...keyFieldAttacks('rotate', 'POST', url),
      { name: 'rotate: ttl is not a rotate field', method: 'POST', url, json: { ttl: '1h' }, ...BAD_REQ },
      { name: 'rotate: actor_id is not a rotate field', method: 'POST', url, json: { actor_id: 'someone' }, ...BAD_REQ },
      { name: 'rotate: visibility "BOGUS"', method: 'POST', url, json: { visibility: 'BOGUS' }, ...BAD_REQ },
    ]);
  });

  for (const [label, url] of [
    ['revoke', `${BASE}/{id}:revoke`],
    ['revoke alias', `${ALIAS}/{id}:revoke`],
  ] as const) {
    describe(`${label} (POST ${url})`, () => {
      const c = (name: string, json: unknown): Case => ({ name: `${label}: ${name}`, method: 'POST', url, json, ...BAD_REQ });
      runTable([
        ...bodyAttacks(label, 'POST', url),
        c('no reason', {}),
        c('reason UNSPECIFIED', { reason: 'REVOCATION_REASON_UNSPECIFIED' }),
        c('reason "BOGUS"', { reason: 'BOGUS' }),
        c('reason 5', { reason: 5 }),
        c('reason NUL', { reason: 'REVOCATION_REASON_KEY_COMPROMISE\u0000' }),
        c('reason 64 KB', { reason: K64 }),
        c('description without PRIVILEGE_WITHDRAWN', { reason: 'REVOCATION_REASON_KEY_COMPROMISE', description: 'why' }),
        c('description NUL', { reason: 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN', description: 'a\u0000b' }),
        c('description CRLF', { reason: 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN', description: 'a\r\nb' }),
        c('description 64 KB', { reason: 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN', description: K64 }),
        c('description 5', { reason: 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN', description: 5 }),
      ]);
    });
  }

  describe('verify (POST apiKeys:verify): malformed requests are 400', () => {
    const c = (name: string, json: unknown): Case => ({ name: `verify: ${name}`, method: 'POST', url: VERIFY, json, ...BAD_REQ });
    runTable([
      ...bodyAttacks('verify', 'POST', VERIFY),
      c('missing credential', {}),
      c('credential: 5', { credential: 5 }),
      c('credential: null', { credential: null }),
      c('credential: []', { credential: [] }),
      c('credential: {}', { credential: {} }),
      c('credential: 10,000-element array', { credential: TEN_K(() => 'x') }),
      c('credential: 64 KB', { credential: K64 }),
      c('credential plus unknown field', { credential: 'x', key_id: targetId }),
    ]);
  });

  describe('verify: hostile credentials are 200 is_valid:false, never an error', () => {
    const cases: [string, string, string][] = [
      ['empty string', '', 'VERIFICATION_ERROR_INVALID_FORMAT'],
      ['garbage', 'garbage', 'VERIFICATION_ERROR_NOT_FOUND'],
      ['prefix only', 'ks_ak_v1_', 'VERIFICATION_ERROR_NOT_FOUND'],
      ['prefix and identifier only', 'ks_ak_v1_2NEpo7TZRRrLZSi2U_', 'VERIFICATION_ERROR_NOT_FOUND'],
      ['base58-shaped but undecodable', `ks_ak_v1_${'1'.repeat(40)}_${'z'.repeat(44)}`, 'VERIFICATION_ERROR_NOT_FOUND'],
      ['eyJ… three parts', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln', 'VERIFICATION_ERROR_NOT_FOUND'],
      ['eyJ… alg none, empty signature', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'VERIFICATION_ERROR_NOT_FOUND'],
      ['eyJ only', 'eyJ', 'VERIFICATION_ERROR_NOT_FOUND'],
      ['macaroon prefix only', 'mc_v1_', 'VERIFICATION_ERROR_INVALID_FORMAT'],
      ['NUL byte', 'ks_ak_v1_\u0000', 'VERIFICATION_ERROR_NOT_FOUND'],
      ['CRLF', 'key\r\nX-Injected: 1', 'VERIFICATION_ERROR_NOT_FOUND'],
      ['SQL shape', "' OR 1=1 --", 'VERIFICATION_ERROR_NOT_FOUND'],
      ['SQL drop', '"; DROP TABLE api_keys; --', 'VERIFICATION_ERROR_NOT_FOUND'],
      ['unicode (RTL override, emoji, BOM)', '\u202eks_ak😀\ufeff', 'VERIFICATION_ERROR_NOT_FOUND'],
      ['8 KB', 'k'.repeat(8192), 'VERIFICATION_ERROR_NOT_FOUND'],
      ['the key id itself', UNKNOWN_ID, 'VERIFICATION_ERROR_NOT_FOUND'],
    ];
    for (const [name, credential, code] of cases) {
      it(`${name} → ${code}`, async () => {
        const res = await send({ name, method: 'POST', url: VERIFY, json: { credential } });
        assert.equal(res.statusCode, 200, res.body);
        assertRequestId(res, name);
        const body = res.json();
        assert.equal(body.is_valid, false);
        assert.equal(body.error_code, code);
        assert.equal(body.key_id, undefined, 'no key_id without proof of possession');
      });
    }
  });

  describe('list (GET /issuedApiKeys): hostile query strings', () => {
    const c = (name: string, query: string, reason = 'INVALID_ARGUMENT'): Case => ({
      name: `list: ${name}`,
      method: 'GET',
      url: `${BASE}?${query}`,
      status: 400,
      reason,
    });
    const f = (name: string, filter: string, reason = 'INVALID_FILTER') => c(`filter ${name}`, `filter=${encodeURIComponent(filter)}`, reason);
    runTable([
      c('page_size "abc"', 'page_size=abc'),
      c('page_size 99999999999', 'page_size=99999999999'),
      c('page_size 1.5', 'page_size=1.5'),
      c('page_size 1e3', 'page_size=1e3'),
      c('page_size NUL', 'page_size=%00'),
      c('page_size 64 KB', `page_size=${'9'.repeat(65536)}`),
      c('page_size repeated', 'page_size=1&page_size=2'),
      c('page_token garbage', 'page_token=garbage', 'INVALID_PAGE_TOKEN'),
      c('page_token NUL', 'page_token=%00', 'INVALID_PAGE_TOKEN'),
      c('page_token SQL shape', `page_token=${encodeURIComponent("' OR 1=1 --")}`, 'INVALID_PAGE_TOKEN'),
      c('page_token base64 of JSON', `page_token=${Buffer.from(JSON.stringify({ k: 'zzzz', f: '' })).toString('base64url')}`, 'INVALID_PAGE_TOKEN'),
      c('page_token 64 KB', `page_token=${'A'.repeat(65536)}`),
      c('unknown query parameter', 'order_by=name'),
      f('SQL: OR 1=1', "' OR 1=1 --"),
      f('SQL: DROP TABLE', '"; DROP TABLE api_keys; --'),
      f('injected OR clause', 'actor_id="x" OR status=KEY_STATUS_ACTIVE'),
      f('statement separator', 'status=KEY_STATUS_ACTIVE; DROP'),
      f('nested parentheses', '((actor_id="x"))'),
      f('parenthesised AND', '(actor_id="x" AND (status=KEY_STATUS_ACTIVE))'),
      f('NOT', 'NOT actor_id="x"'),
      f('duplicate actor_id', 'actor_id="x" AND actor_id="y"'),
      f('unquoted value', 'actor_id=x'),
      f('unterminated quote', 'actor_id="x'),
      f('NUL in value', 'actor_id="a\u0000"'),
      f('CRLF in value', 'actor_id="a\r\nb"'),
      f('other field', 'name="target"'),
      f('key_id field', `key_id="${UNKNOWN_ID}"`),
      f('unknown status', 'status=KEY_STATUS_BOGUS'),
      f('trailing AND', 'actor_id="x" AND'),
      f('lower-case and', 'actor_id="x" and status=KEY_STATUS_ACTIVE'),
      f('wildcard', 'actor_id="*"  OR 1=1'),
      c('filter 64 KB', `filter=${encodeURIComponent(`actor_id="${K64}"`)}`),
      c('filter repeated', 'filter=a&filter=b'),
    ]);

    it('page_size -5 behaves like Talos (≤ 0 → the default page)', async () => {
      const res = await send({ name: 'page_size -5', method: 'GET', url: `${BASE}?page_size=-5` });
      assert.equal(res.statusCode, 200, res.body);
      assertRequestId(res, 'page_size -5');
      assert.ok(res.json().issued_api_keys.length >= 1);
    });

    it('quoted values are bound, not interpolated: an escaped quote does not escape the literal', async () => {
      for (const filter of ['actor_id="a\\" OR 1=1"', 'actor_id="\' OR 1=1 --"', 'actor_id="target-actor\\" OR actor_id=\\"x"']) {
        const res = await send({ name: filter, method: 'GET', url: `${BASE}?filter=${encodeURIComponent(filter)}` });
        assert.equal(res.statusCode, 200, `${filter}: ${res.body}`);
        assertRequestId(res, filter);
        assert.deepEqual(res.json().issued_api_keys, [], `${filter} must match no key`);
      }
      // Control: the real actor matches, so the empty results above are meaningful.
      const ok = await send({ name: 'control', method: 'GET', url: `${BASE}?filter=${encodeURIComponent('actor_id="target-actor"')}` });
      assert.equal(ok.json().issued_api_keys.length, 1);
    });
  });

  describe('page tokens: tampered, truncated or reused with another filter → INVALID_PAGE_TOKEN', () => {
    let token = '';
    const filter = 'actor_id="pager"';
    before(async () => {
      for (let i = 0; i < 3; i++) assert.equal((await t.call('POST', BASE, { actor_id: 'pager' })).statusCode, 201);
      // A token is 96 bytes, so its standard-base64 spelling differs from it only where it holds a '-'
      // or '_'. About 1 token in 60 holds neither, and the re-encoding case below would then send the
      // genuine token: ask again (every token has a fresh IV) until one holds either.
      for (let i = 0; i < 50 && !/[-_]/.test(token); i++) {
        const res = await t.call('GET', `${BASE}?page_size=1&filter=${encodeURIComponent(filter)}`);
        token = res.json().next_page_token;
      }
      assert.ok(token.length > 20);
      assert.match(token, /[-_]/);
    });

    it('the genuine token works (control)', async () => {
      const res = await t.call('GET', `${BASE}?page_size=1&filter=${encodeURIComponent(filter)}&page_token=${token}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().issued_api_keys.length, 1);
    });

    it('every single-character flip is refused', async () => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      for (const pos of [0, 1, Math.floor(token.length / 2), token.length - 2, token.length - 1]) {
        const flipped = token.slice(0, pos) + alphabet[(alphabet.indexOf(token[pos]) + 1) % 64] + token.slice(pos + 1);
        const res = await t.call('GET', `${BASE}?page_size=1&filter=${encodeURIComponent(filter)}&page_token=${flipped}`);
        assertAip193(res.statusCode, res.headers, res.body, { status: 400, reason: 'INVALID_PAGE_TOKEN' }, `flip at ${pos}`);
      }
    });

    it('truncated, extended, padded or re-encoded tokens are refused', async () => {
      const std = Buffer.from(token, 'base64url').toString('base64');
      const variants = [token.slice(0, -4), `${token}AAAA`, `${token}=`, encodeURIComponent(std), token.split('').reverse().join('')];
      for (const bad of variants) {
        assert.notEqual(decodeURIComponent(bad), token, 'each variant differs from the genuine token');
        const res = await t.call('GET', `${BASE}?page_size=1&filter=${encodeURIComponent(filter)}&page_token=${bad}`);
        assertAip193(res.statusCode, res.headers, res.body, { status: 400, reason: 'INVALID_PAGE_TOKEN' }, bad);
      }
    });

    it('a token reused with another filter (or none) is refused', async () => {
      for (const other of ['', 'actor_id="target-actor"', 'actor_id="pager" AND status=KEY_STATUS_ACTIVE']) {
        const res = await t.call('GET', `${BASE}?page_size=1&filter=${encodeURIComponent(other)}&page_token=${token}`);
        assertAip193(res.statusCode, res.headers, res.body, { status: 400, reason: 'INVALID_PAGE_TOKEN' }, `filter ${other}`);
      }
    });
  });

  describe('malformed key ids in paths', () => {
    const ids: [string, string, number, string][] = [
      ['..%2F..', '..%2F..', 404, 'ROUTE_NOT_FOUND'],
      ['%00', '%00', 404, 'API_KEY_NOT_FOUND'],
      ['x:y', 'x:y', 404, 'ROUTE_NOT_FOUND'],
      ['SQL shape', encodeURIComponent("' OR 1=1 --"), 404, 'API_KEY_NOT_FOUND'],
      ['SQL drop', encodeURIComponent('"; DROP TABLE api_keys; --'), 404, 'API_KEY_NOT_FOUND'],
      ['space', '%20', 404, 'API_KEY_NOT_FOUND'],
      ['RTL override + emoji', encodeURIComponent('\u202e😀'), 404, 'API_KEY_NOT_FOUND'],
      ['CRLF', '%0D%0A', 404, 'API_KEY_NOT_FOUND'],
      ['unknown uuid', UNKNOWN_ID, 404, 'API_KEY_NOT_FOUND'],
      ['200 characters', 'a'.repeat(200), 400, 'INVALID_ARGUMENT'],
      ['64 KB', 'a'.repeat(65536), 400, 'INVALID_ARGUMENT'],
      ['broken percent-encoding', '%E0%A4%A', 400, 'INVALID_ARGUMENT'],
    ];
    const cases: Case[] = [];
    for (const [name, id, status, reason] of ids) {
      cases.push(
        { name: `get ${name}`, method: 'GET', url: `${BASE}/${id}`, status, reason },
        { name: `update ${name}`, method: 'PATCH', url: `${BASE}/${id}`, json: { name: 'x' }, status, reason },
        { name: `rotate ${name}`, method: 'POST', url: `${BASE}/${id}:rotate`, json: {}, status, reason },
        { name: `revoke ${name}`, method: 'POST', url: `${BASE}/${id}:revoke`, json: { reason: 'REVOCATION_REASON_KEY_COMPROMISE' }, status, reason },
        { name: `revoke alias ${name}`, method: 'POST', url: `${ALIAS}/${id}:revoke`, json: { reason: 'REVOCATION_REASON_KEY_COMPROMISE' }, status, reason },
      );
    }
    runTable(cases);
  });

  describe('unknown routes and wrong methods', () => {
    const nf = (name: string, method: Case['method'], url: string): Case => ({ name, method, url, status: 404, reason: 'ROUTE_NOT_FOUND' });
    const na = (name: string, method: Case['method'], url: string, allow: string[]): Case => ({
      name,
      method,
      url,
      status: 405,
      reason: 'METHOD_NOT_ALLOWED',
      allow,
    });
    runTable([
      nf('/nope', 'GET', '/nope'),
      nf('/v2alpha1/admin', 'GET', '/v2alpha1/admin'),
      nf('upper-case path', 'GET', '/V2ALPHA1/admin/issuedApiKeys'),
      nf('trailing slash', 'GET', `${BASE}/`),
      nf('sub-resource', 'GET', `${BASE}/{id}/extra`),
      nf('unknown custom method', 'POST', `${BASE}/{id}:explode`),
      nf('custom method on the collection', 'POST', `${BASE}:rotate`),
      nf('health trailing slash', 'GET', '/health/ready/'),
      nf('health NUL', 'GET', '/health/ready%00'),
      nf('health unknown', 'GET', '/health/dead'),
      nf('SQL shape route', 'GET', `/${encodeURIComponent("'; DROP TABLE api_keys; --")}`),
      na('DELETE collection', 'DELETE', BASE, ['GET', 'POST']),
      na('PUT collection', 'PUT', BASE, ['GET', 'POST']),
      na('OPTIONS collection', 'OPTIONS', BASE, ['GET', 'POST']),
      na('PUT key', 'PUT', `${BASE}/{id}`, ['GET', 'PATCH']),
      na('DELETE key', 'DELETE', `${BASE}/{id}`, ['GET', 'PATCH']),
      na('POST key', 'POST', `${BASE}/{id}`, ['GET', 'PATCH']),
      na('GET rotate', 'GET', `${BASE}/{id}:rotate`, ['POST']),
      na('PATCH rotate', 'PATCH', `${BASE}/{id}:rotate`, ['POST']),
      na('GET revoke', 'GET', `${BASE}/{id}:revoke`, ['POST']),
      na('DELETE revoke alias', 'DELETE', `${ALIAS}/{id}:revoke`, ['POST']),
      na('GET verify', 'GET', VERIFY, ['POST']),
      na('PUT verify', 'PUT', VERIFY, ['POST']),
      na('POST health/ready', 'POST', '/health/ready', ['GET']),
      na('DELETE health/alive', 'DELETE', '/health/alive', ['GET']),
    ]);
  });

  describe('authentication is refused in the same shape on every admin endpoint', () => {
    const endpoints: Omit<Case, 'status' | 'reason' | 'name'>[] = [
      { method: 'POST', url: BASE, json: { name: 'x' } },
      { method: 'GET', url: BASE },
      { method: 'GET', url: `${BASE}/{id}` },
      { method: 'PATCH', url: `${BASE}/{id}`, json: { name: 'x' } },
      { method: 'POST', url: `${BASE}/{id}:rotate`, json: {} },
      { method: 'POST', url: `${BASE}/{id}:revoke`, json: { reason: 'REVOCATION_REASON_KEY_COMPROMISE' } },
      { method: 'POST', url: `${ALIAS}/{id}:revoke`, json: { reason: 'REVOCATION_REASON_KEY_COMPROMISE' } },
      { method: 'POST', url: VERIFY, json: { credential: 'x' } },
    ];
    const auths: [string, string | null][] = [
      ['no Authorization', null],
      ['wrong token', 'Bearer ks_pat_wrong'],
      ['Basic scheme', 'Basic dXNlcjpwYXNz'],
      ['bare token', 'ks_pat_test_admin_token_0123456789abcdefghijklmnop'],
      ['token plus garbage', 'Bearer ks_pat_test_admin_token_0123456789abcdefghijklmnop extra'],
      ['NUL after token', 'Bearer ks_pat_test_admin_token_0123456789abcdefghijklmnop\u0000'],
      ['SQL shape', "Bearer ' OR 1=1 --"],
      ['64 KB', `Bearer ${K64}`],
      ['empty bearer', 'Bearer '],
    ];
    const cases: Case[] = [];
    for (const e of endpoints)
      for (const [name, auth] of auths) cases.push({ ...e, name: `${e.url} with ${name}`, auth, status: 401, reason: 'UNAUTHENTICATED' });
    runTable(cases);
  });

  describe('X-Request-ID', () => {
    const hostile: [string, string][] = [
      ['CRLF', 'abc\r\nX-Injected: 1'],
      ['LF', 'abc\nX-Injected: 1'],
      ['NUL', 'abc\u0000def'],
      ['64 KB', K64],
      ['spaces', 'a b'],
      ['unicode', 'ïd-😀'],
    ];
    for (const [name, value] of hostile) {
      it(`a ${name} X-Request-ID is replaced, never echoed`, async () => {
        for (const c of [
          { method: 'GET' as const, url: '/health/alive' },
          { method: 'GET' as const, url: '/nope' },
          { method: 'POST' as const, url: BASE, raw: '{bad' },
        ]) {
          const res = await send({ name, ...c, headers: { 'x-request-id': value } });
          assertRequestId(res, `${name} ${c.url}`);
          assert.notEqual(res.headers['x-request-id'], value);
          assert.equal(res.headers['x-injected'], undefined);
        }
      });
    }
    it('a well-formed X-Request-ID is echoed on success and error responses', async () => {
      for (const url of ['/health/alive', '/nope', `${BASE}/${UNKNOWN_ID}`]) {
        const res = await send({ name: 'echo', method: 'GET', url, headers: { 'x-request-id': 'trace-abc-123' } });
        assert.equal(res.headers['x-request-id'], 'trace-abc-123', url);
      }
    });
  });

  describe('over a real socket: unparseable HTTP still gets AIP-193 and X-Request-ID', () => {
    let port = 0;
    before(async () => {
      await t.app.api.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.api.server.address() as AddressInfo).port;
    });

    /** Writes raw bytes, returns status, headers (lower-cased) and body of the first response. */
    function rawRequest(bytes: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
      return new Promise((resolve, reject) => {
        const s = connect({ port, host: '127.0.0.1' });
        const chunks: Buffer[] = [];
        s.setTimeout(5000, () => s.destroy(new Error('timeout')));
        s.on('data', (d) => chunks.push(d));
        s.on('error', (e) => (chunks.length ? undefined : reject(e)));
        s.on('close', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const [head, ...rest] = text.split('\r\n\r\n');
          const [statusLine, ...lines] = head.split('\r\n');
          const headers: Record<string, string> = {};
          for (const l of lines) {
            const i = l.indexOf(':');
            headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
          }
          resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
        });
        s.write(bytes);
      });
    }

    const cases: [string, string][] = [
      ['bare CR in the X-Request-ID header', 'GET /health/alive HTTP/1.1\r\nHost: x\r\nX-Request-ID: abc\rdef\r\n\r\n'],
      ['header line without a colon', 'GET /health/alive HTTP/1.1\r\nHost: x\r\nX-Request-ID abc\r\n\r\n'],
      ['NUL in a header value', 'GET /health/alive HTTP/1.1\r\nHost: x\r\nX-Request-ID: a\u0000b\r\n\r\n'],
      ['64 KB X-Request-ID (over the header size limit)', `GET /health/alive HTTP/1.1\r\nHost: x\r\nX-Request-ID: ${K64}\r\n\r\n`],
      ['garbage request line', 'FOO BAR BAZ QUX\r\n\r\n'],
      ['conflicting Content-Length', `POST ${BASE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`],
    ];
    for (const [name, bytes] of cases) {
      it(`${name} → 400 INVALID_ARGUMENT`, async () => {
        const res = await rawRequest(bytes);
        assertAip193(res.status, res.headers, res.body, BAD_REQ, name);
      });
    }

    it('a header split by CRLF cannot inject response headers', async () => {
      const res = await rawRequest('GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Request-ID: abc\r\nX-Injected: 1\r\n\r\n');
      assertAip193(res.status, res.headers, res.body, { status: 404, reason: 'ROUTE_NOT_FOUND' }, 'split header');
      assert.equal(res.headers['x-request-id'], 'abc');
      assert.equal(res.headers['x-injected'], undefined);
    });
  });

  it('no partial write: after every rejected request above, the key list is byte-identical', async () => {
    // Runs after the rejection tables (node:test runs a describe's tests in order) and before the
    // tests below that create keys on purpose. The page-token suite created three "pager" keys.
    const now = (await t.call('GET', `${BASE}?page_size=1000`)).json();
    const withoutPager = { ...now, issued_api_keys: now.issued_api_keys.filter((k: { actor_id: string }) => k.actor_id !== 'pager') };
    assert.deepEqual(withoutPager, before_);
    assert.equal(now.issued_api_keys.length, 4);
  });

  describe('values that are hostile-looking but valid round-trip exactly', () => {
    const names: [string, string][] = [
      ['RTL override', 'admin\u202egnp.exe'],
      ['emoji', 'key 🔑 for 🤖'],
      ['BOM', '\ufeffname'],
      ['combining marks and CJK', 'Z̷͔a̶l̵g̸o 鍵'],
      ['SQL: OR 1=1', "' OR 1=1 --"],
      ['SQL: DROP TABLE', '"; DROP TABLE api_keys; --'],
      ['quotes and backslashes', `a"b'c\\d\`e`],
      ['HTML', '<script>alert(1)</script>'],
      ['255 characters', 'n'.repeat(255)],
    ];
    for (const [label, value] of names) {
      it(`name and actor_id ${label}`, async () => {
        const res = await t.call('POST', BASE, { name: value, actor_id: value, scopes: ['read'] });
        assert.equal(res.statusCode, 201, res.body);
        const id = res.json().issued_api_key.key_id;
        assert.equal(res.json().issued_api_key.name, value);
        const got = (await t.call('GET', `${BASE}/${id}`)).json();
        assert.equal(got.name, value);
        assert.equal(got.actor_id, value);
        const escaped = value.replace(/["\\]/g, '\\$&');
        const list = await t.call('GET', `${BASE}?filter=${encodeURIComponent(`actor_id="${escaped}"`)}`);
        assert.equal(list.statusCode, 200, list.body);
        assert.deepEqual(
          list.json().issued_api_keys.map((k: { key_id: string }) => k.key_id),
          [id],
          'filtering on the exact actor finds exactly this key',
        );
        const v = await t.call('POST', VERIFY, { credential: res.json().secret });
        assert.equal(v.json().is_valid, true);
        assert.equal(v.json().actor_id, value);
      });
    }

    it('request_id with an SQL shape is an ordinary idempotency key', async () => {
      const rid = '"; DROP TABLE api_keys; --';
      const first = await t.call('POST', BASE, { name: 'idem', request_id: rid });
      assert.equal(first.statusCode, 201, first.body);
      assert.ok(first.json().secret);
      const again = await t.call('POST', BASE, { name: 'idem', request_id: rid });
      assert.equal(again.json().issued_api_key.key_id, first.json().issued_api_key.key_id);
      assert.equal(again.json().secret, undefined);
    });

    it('metadata with NUL, control characters and unicode in keys and values', async () => {
      const metadata = { 'a\u0000b': 'c\u0000d', crlf: 'x\r\ny', rtl: '\u202e', emoji: '🔑', nested: { list: [1, 'two', null, true] } };
      const res = await t.call('POST', BASE, { metadata });
      assert.equal(res.statusCode, 201, res.body);
      const got = (await t.call('GET', `${BASE}/${res.json().issued_api_key.key_id}`)).json();
      assert.deepEqual(got.metadata, metadata);
    });

    it('unicode scopes without whitespace are kept', async () => {
      const res = await t.call('POST', BASE, { scopes: ['читать', '書く', '🔑:read'] });
      assert.equal(res.statusCode, 201, res.body);
      const got = (await t.call('GET', `${BASE}/${res.json().issued_api_key.key_id}`)).json();
      assert.deepEqual(got.scopes, ['читать', '書く', '🔑:read']);
    });
  });

  it('after the barrage: ready, the table intact, and a normal issue + verify works', async () => {
    const ready = await t.app.api.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    assertRequestId(ready, 'ready');

    const target = await t.call('GET', `${BASE}/${targetId}`);
    assert.equal(target.statusCode, 200);
    assert.equal(target.json().status, 'KEY_STATUS_ACTIVE');
    assert.equal(target.json().name, 'target');

    const issued = await t.call('POST', BASE, { name: 'after', actor_id: 'after-actor', scopes: ['read'] });
    assert.equal(issued.statusCode, 201, issued.body);
    const v = await t.call('POST', VERIFY, { credential: issued.json().secret });
    assert.equal(v.statusCode, 200);
    assert.equal(v.json().is_valid, true);
    assert.equal(v.json().key_id, issued.json().issued_api_key.key_id);

    const list = await t.call('GET', `${BASE}?page_size=1000`);
    assert.equal(list.statusCode, 200);
    // target + 3 pager + 9 names + idem + metadata + scopes + after
    assert.equal(list.json().issued_api_keys.length, 17);
    // A 500 logs "unhandled error"; none of the requests above may have produced one.
    assert.doesNotMatch(t.logs.text(), /unhandled error/);
    assert.match(t.logs.text(), /request completed/, 'the log capture works');
  });
});

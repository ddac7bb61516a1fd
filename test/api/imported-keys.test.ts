import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { FrozenClock } from '../../src/shared/clock.js';
import { importedKeyHash } from '../../src/verify/imported-hash.js';
import { createProject, createToken, expectError, type OperatorProject } from '../helpers/operator.js';
import { createTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/test-app.js';

// Imported keys (SPEC §1 "Imported key", §3 import / get / list / update / delete / revoke): keys minted
// by another system, stored only as SHA-512/256(project ‖ 0x00 ‖ raw) — or, for a SHA-256 digest import,
// that digest until the first successful verify. The raw key and every hash stay out of every response.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const P = '/operator/v1/projects';
const BASE = '/v2alpha1/admin/importedApiKeys';
const ISSUE = '/v2alpha1/admin/issuedApiKeys';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const REVOKE_BODY = { reason: 'REVOCATION_REASON_KEY_COMPROMISE' };
const UNKNOWN_ID = '00000000-0000-4000-8000-00000000beef';
// A server-made UUID (v4 random, or v7 time-ordered with random tail) — never a hash of the key.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RESOURCE_FIELDS = new Set([
  'key_id',
  'name',
  'actor_id',
  'scopes',
  'metadata',
  'status',
  'visibility',
  'create_time',
  'update_time',
  'expire_time',
  'last_used_time',
  'rate_limit_policy',
  'ip_restriction',
  'revocation_reason',
  'revocation_description',
]);

const PLANS_ENV = {
  KEYSMITH_PLANS: JSON.stringify({
    tiny: { max_active_keys: 3, caching: false, rate_limiting: false },
    custom: { max_active_keys: null, caching: false, rate_limiting: false },
  }),
  KEYSMITH_PROJECTS_DEFAULT_PLAN: 'custom',
};

/** Every raw key a test hands to the server: none may ever reach the log. */
const usedRawKeys = new Set<string>();
const rawKey = (prefix = 'sk_live') => {
  const k = `${prefix}_${randomBytes(16).toString('hex')}`;
  usedRawKeys.add(k);
  return k;
};
const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Asserts the body carries neither the raw key nor any hash of it, and only resource fields. */
function assertNoSecret(res: LightMyRequestResponse, projectId: string, raw: string): void {
  const text = res.body;
  const digest = sha256(raw);
  for (const forbidden of [raw, digest.toString('hex'), digest.toString('base64'), digest.toString('base64url'), importedKeyHash(projectId, raw)])
    assert.equal(text.toLowerCase().includes(forbidden.toLowerCase()), false, `response leaks ${forbidden.slice(0, 12)}…`);
}

function assertResource(k: Record<string, unknown>): void {
  for (const f of Object.keys(k)) assert.ok(RESOURCE_FIELDS.has(f), `unexpected field ${f} in the imported key resource`);
  assert.match(String(k.key_id), UUID);
}

async function projectId(t: TestApp, slug: string): Promise<string> {
  const res = await t.op('GET', `${P}/${slug}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().id;
}

async function usage(t: TestApp, slug: string): Promise<number> {
  const res = await t.op('GET', `${P}/${slug}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().usage.active_keys;
}

async function importAs(t: TestApp, token: string, body: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await t.as(token, 'POST', BASE, body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

async function verifyAs(t: TestApp, token: string, credential: string): Promise<Record<string, any>> {
  const res = await t.as(token, 'POST', VERIFY, { credential });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function listAll(t: TestApp, token: string, filter = ''): Promise<Record<string, any>[]> {
  const res = await t.as(token, 'GET', `${BASE}?page_size=1000${filter ? `&filter=${encodeURIComponent(filter)}` : ''}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().imported_api_keys;
}

async function until(cond: () => Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('imported keys: single import', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  let defaultId: string;
  const imp = (body: Record<string, unknown>) => importAs(t, TEST_ADMIN_TOKEN, body);

  before(async () => {
    t = await createTestApp({ clock, env: PLANS_ENV });
    defaultId = await projectId(t, 'default');
  });
  after(() => t.close());

  test('201 + Location; the resource echoes every field and carries no raw key or hash', async () => {
    const raw = rawKey();
    const res = await t.call('POST', BASE, {
      raw_key: raw,
      name: 'stripe live',
      actor_id: 'svc-payments',
      scopes: ['read', 'write', 'read'],
      metadata: { team: 'payments', tier: 2 },
      ttl: '1h',
      rate_limit_policy: { quota: '100', window: '60s' },
      ip_restriction: { allowed_cidrs: ['10.1.2.3/8'] },
      visibility: 'KEY_VISIBILITY_PUBLIC',
    });
    assert.equal(res.statusCode, 201, res.body);
    const k = res.json();
    assert.equal(res.headers.location, `${BASE}/${k.key_id}`);
    assert.equal(typeof res.headers['x-request-id'], 'string');
    assertResource(k);
    assertNoSecret(res, defaultId, raw);
    assert.equal(k.name, 'stripe live');
    assert.equal(k.actor_id, 'svc-payments');
    assert.deepEqual(k.scopes, ['read', 'write']);
    assert.deepEqual(k.metadata, { team: 'payments', tier: 2 });
    assert.equal(k.status, 'KEY_STATUS_ACTIVE');
    assert.equal(k.visibility, 'KEY_VISIBILITY_PUBLIC');
    assert.equal(k.create_time, new Date(T0).toISOString());
    assert.equal(k.expire_time, new Date(T0 + 3_600_000).toISOString());
    assert.equal(k.rate_limit_policy.quota, '100');
    assert.deepEqual(k.ip_restriction, { allowed_cidrs: ['10.0.0.0/8'] });
    const got = await t.call('GET', `${BASE}/${k.key_id}`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), k);
    assertNoSecret(got, defaultId, raw);
  });

  test('key_id is a server-made UUID, not derived from the key: same raw key in two projects → two key_ids', async () => {
    const other = await createProject(t, 'kid-other');
    const raw = rawKey('ghp');
    const a = await imp({ raw_key: raw, name: 'a', actor_id: 'u' });
    const b = await importAs(t, other.token, { raw_key: raw, name: 'b', actor_id: 'u' });
    assert.match(a.key_id, UUID);
    assert.match(b.key_id, UUID);
    assert.notEqual(a.key_id, b.key_id);
    const hex = [sha256(raw).toString('hex'), importedKeyHash(defaultId, raw), importedKeyHash(other.id, raw)];
    for (const id of [a.key_id, b.key_id]) {
      const compact = id.replaceAll('-', '');
      for (const h of hex) assert.equal(h.includes(compact) || h.startsWith(compact.slice(0, 16)), false, 'key_id is no hash of the key');
    }
    // Deleted and imported again: a fresh key_id, so the id is not a function of the raw key.
    assert.equal((await t.call('DELETE', `${BASE}/${a.key_id}`)).statusCode, 204);
    const again = await imp({ raw_key: raw, name: 'a2', actor_id: 'u' });
    assert.notEqual(again.key_id, a.key_id);
  });

  test('name and actor_id are required; exactly one of raw_key / sha256 → else 400 INVALID_ARGUMENT', async () => {
    const raw = rawKey();
    const cases: [string, Record<string, unknown>][] = [
      ['no name', { raw_key: raw, actor_id: 'u' }],
      ['empty name', { raw_key: raw, name: '', actor_id: 'u' }],
      ['no actor_id', { raw_key: raw, name: 'n' }],
      ['empty actor_id', { raw_key: raw, name: 'n', actor_id: '' }],
      ['neither raw_key nor sha256', { name: 'n', actor_id: 'u' }],
      ['empty raw_key, no sha256', { raw_key: '', name: 'n', actor_id: 'u' }],
      ['both raw_key and sha256', { raw_key: raw, sha256: sha256(raw).toString('hex'), name: 'n', actor_id: 'u' }],
      ['sha256 too short', { sha256: 'ab'.repeat(31), name: 'n', actor_id: 'u' }],
      ['sha256 not hex', { sha256: 'zz'.repeat(32), name: 'n', actor_id: 'u' }],
      ['sha256 base64 of 31 bytes', { sha256: randomBytes(31).toString('base64'), name: 'n', actor_id: 'u' }],
      ['raw_key not a string', { raw_key: 12345, name: 'n', actor_id: 'u' }],
      ['unknown field', { raw_key: raw, name: 'n', actor_id: 'u', hash: 'x' }],
      ['raw_key with surrounding whitespace', { raw_key: ` ${raw} `, name: 'n', actor_id: 'u' }],
    ];
    const before = (await listAll(t, TEST_ADMIN_TOKEN)).length;
    for (const [name, body] of cases) {
      const e = expectError(await t.call('POST', BASE, body), 400, 'INVALID_ARGUMENT', name);
      assert.equal(e.status, 'INVALID_ARGUMENT', name);
    }
    assert.equal((await listAll(t, TEST_ADMIN_TOKEN)).length, before, 'nothing created');
  });

  test('a Keysmith-issued key → 409 ISSUED_KEY_FORMAT; JWT- or macaroon-shaped → 409 DERIVED_TOKEN_FORMAT', async () => {
    const issued = await t.call('POST', ISSUE, { name: 'issued', actor_id: 'u' });
    assert.equal(issued.statusCode, 201, issued.body);
    const secret = issued.json().secret as string;
    const other = await createProject(t, 'issuer-elsewhere');
    const foreign = (await t.as(other.token, 'POST', ISSUE, { name: 'x' })).json().secret as string;
    const before = (await listAll(t, TEST_ADMIN_TOKEN)).length;
    for (const [what, raw] of [
      ['own issued key', secret],
      ['issued key of another project', foreign],
    ]) {
      const res = await t.call('POST', BASE, { raw_key: raw, name: 'n', actor_id: 'u' });
      expectError(res, 409, 'ISSUED_KEY_FORMAT', what);
      assert.equal(res.body.includes(raw), false, 'the refused key is not echoed');
    }
    const derived = [
      'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
      `eyJ${randomBytes(12).toString('base64url')}.${randomBytes(20).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
      `mc_v1_${randomBytes(40).toString('base64url')}`,
      'mc_v1_x',
    ];
    for (const raw of derived) {
      usedRawKeys.add(raw);
      const e = expectError(await t.call('POST', BASE, { raw_key: raw, name: 'n', actor_id: 'u' }), 409, 'DERIVED_TOKEN_FORMAT', raw.slice(0, 10));
      assert.equal(e.status, 'FAILED_PRECONDITION');
    }
    assert.equal((await listAll(t, TEST_ADMIN_TOKEN)).length, before, 'nothing created');
    // Near misses are ordinary imported keys.
    for (const raw of ['eyJ.only.dots.four', `mcx_v1_${randomBytes(8).toString('hex')}`, `ks_ak_v2_${randomBytes(8).toString('hex')}`]) {
      usedRawKeys.add(raw);
      const k = await imp({ raw_key: raw, name: 'near miss', actor_id: 'u' });
      assert.equal((await verifyAs(t, TEST_ADMIN_TOKEN, raw)).key_id, k.key_id, raw);
    }
  });

  test('a duplicate raw key → 409 API_KEY_EXISTS (also after revocation); nothing is created', async () => {
    const raw = rawKey();
    const first = await imp({ raw_key: raw, name: 'first', actor_id: 'u' });
    const n = (await listAll(t, TEST_ADMIN_TOKEN)).length;
    const e = expectError(await t.call('POST', BASE, { raw_key: raw, name: 'second', actor_id: 'someone-else' }), 409, 'API_KEY_EXISTS', 'dup');
    assert.equal(e.status, 'ALREADY_EXISTS');
    expectError(
      await t.call('POST', BASE, { raw_key: raw, name: 'third', actor_id: 'u', request_id: 'fresh-req-dup' }),
      409,
      'API_KEY_EXISTS',
      'dup with new request_id',
    );
    assert.equal((await t.call('POST', `${BASE}/${first.key_id}:revoke`, REVOKE_BODY)).statusCode, 204);
    expectError(await t.call('POST', BASE, { raw_key: raw, name: 'fourth', actor_id: 'u' }), 409, 'API_KEY_EXISTS', 'dup of a revoked key');
    assert.equal((await listAll(t, TEST_ADMIN_TOKEN)).length, n);
    assert.equal((await t.call('GET', `${BASE}/${first.key_id}`)).json().name, 'first');
  });

  test('a replayed request_id → 201 with the same key_id and Location; nothing new', async () => {
    const raw = rawKey();
    const first = await t.call('POST', BASE, { raw_key: raw, name: 'orig', actor_id: 'u', request_id: 'imp-req-0001' });
    assert.equal(first.statusCode, 201, first.body);
    const n = (await listAll(t, TEST_ADMIN_TOKEN)).length;
    for (const body of [
      { raw_key: raw, name: 'orig', actor_id: 'u', request_id: 'imp-req-0001' },
      { raw_key: rawKey(), name: 'another key, same request id', actor_id: 'v', request_id: 'imp-req-0001' },
    ]) {
      const replay = await t.call('POST', BASE, body);
      assert.equal(replay.statusCode, 201, replay.body);
      assert.equal(replay.json().key_id, first.json().key_id);
      assert.equal(replay.json().name, 'orig');
      assert.equal(replay.headers.location, first.headers.location);
    }
    assert.equal((await listAll(t, TEST_ADMIN_TOKEN)).length, n);
    // request_id ≤ 36 characters.
    expectError(
      await t.call('POST', BASE, { raw_key: rawKey(), name: 'n', actor_id: 'u', request_id: 'r'.repeat(37) }),
      400,
      'INVALID_ARGUMENT',
      '37-char request_id',
    );
  });

  test('hostile strings (NUL, CRLF, 64 KB, lone surrogates) → 4xx AIP-193, never 500', async () => {
    const big = 'A'.repeat(64 * 1024);
    const hostile: [string, string][] = [
      ['NUL', `abc\u0000def${randomBytes(4).toString('hex')}`],
      ['CRLF', `abc\r\nX-Injected: 1${randomBytes(4).toString('hex')}`],
      ['tab', `abc\tdef${randomBytes(4).toString('hex')}`],
      ['DEL', `abc\u007fdef${randomBytes(4).toString('hex')}`],
      ['64 KB', big],
    ];
    const base = () => ({ raw_key: rawKey(), name: 'n', actor_id: 'u' });
    for (const [what, value] of hostile) {
      usedRawKeys.add(value);
      for (const field of ['raw_key', 'name', 'actor_id', 'request_id', 'sha256']) {
        const body: Record<string, unknown> = { ...base(), [field]: value };
        if (field === 'sha256') delete body.raw_key;
        expectError(await t.call('POST', BASE, body), 400, 'INVALID_ARGUMENT', `${what} in ${field}`);
      }
      expectError(await t.call('POST', BASE, { ...base(), scopes: [value] }), 400, 'INVALID_ARGUMENT', `${what} in scopes`);
      const ttl = await t.call('POST', BASE, { ...base(), ttl: value });
      assert.equal(ttl.statusCode, 400, `${what} in ttl: ${ttl.body.slice(0, 200)}`);
    }
    // Oversized metadata, absurd nesting, a body over the limit, malformed JSON, non-object bodies.
    expectError(await t.call('POST', BASE, { ...base(), metadata: { blob: big } }), 400, 'INVALID_ARGUMENT', '64 KB metadata');
    const deep = `{"raw_key":"${rawKey()}","name":"n","actor_id":"u","metadata":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const deepRes = await t.call('POST', BASE, deep);
    assert.ok(deepRes.statusCode >= 400 && deepRes.statusCode < 500, `deep nesting: ${deepRes.statusCode}`);
    expectError(await t.call('POST', BASE, { ...base(), metadata: { pad: 'x'.repeat(2 * 1024 * 1024) } }), 413, 'PAYLOAD_TOO_LARGE', '2 MiB body');
    expectError(await t.call('POST', BASE, '{"raw_key": "x", '), 400, 'MALFORMED_JSON', 'malformed JSON');
    for (const body of ['null', '[]', '"raw"', '42']) {
      const res = await t.call('POST', BASE, body);
      assert.equal(res.statusCode, 400, `${body}: ${res.body}`);
      expectError(res, 400, String(res.json().error.details[0].reason), body);
    }
    // Lone surrogates and odd Unicode: any non-5xx answer; if accepted, it round-trips.
    for (const odd of ['\ud800', 'x\udfffy', '\u202e\u0301', '🔑'.repeat(40)]) {
      for (const field of ['name', 'actor_id', 'raw_key']) {
        const body: Record<string, unknown> = { ...base(), [field]: field === 'raw_key' ? `${odd}${randomBytes(6).toString('hex')}` : odd };
        const res = await t.call('POST', BASE, body);
        assert.ok(res.statusCode < 500, `${JSON.stringify(odd)} in ${field}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        if (res.statusCode >= 400) expectError(res, res.statusCode, String(res.json().error.details[0].reason), `${field} odd`);
      }
    }
  });

  test('raw keys that are not well-formed Unicode are refused; no two different credentials verify as one key', async () => {
    // A lone surrogate cannot be encoded as UTF-8: hashing it silently turns it into U+FFFD, so
    // "\ud800…" and "\ufffd…" (and "\udfff…") would be one and the same key.
    const tail = randomBytes(8).toString('hex');
    const legit = `\ufffd-replacement-char-${tail}`;
    usedRawKeys.add(legit);
    const k = await imp({ raw_key: legit, name: 'has U+FFFD', actor_id: 'u' });
    assert.equal((await verifyAs(t, TEST_ADMIN_TOKEN, legit)).key_id, k.key_id);
    for (const lone of ['\ud800', '\udfff', '\udbff']) {
      const other = `${lone}-replacement-char-${tail}`;
      const v = await verifyAs(t, TEST_ADMIN_TOKEN, other);
      assert.equal(v.is_valid, false, `${JSON.stringify(other)} verified as the key imported as ${JSON.stringify(legit)}`);
      const res = await t.call('POST', BASE, { raw_key: `${lone}-lone-${randomBytes(8).toString('hex')}`, name: 'n', actor_id: 'u' });
      expectError(res, 400, 'INVALID_ARGUMENT', `raw_key with ${JSON.stringify(lone)}`);
    }
  });

  test('SQL-injection shapes are plain data: stored verbatim, verified and filtered as values', async () => {
    const shapes = ["' OR '1'='1", "x'); DROP TABLE api_keys;--", '" OR 1=1 --', "\\'; SELECT pg_sleep(5);--", '%_%', '`id`; --'];
    const made: { raw: string; id: string; actor: string }[] = [];
    for (const [i, s] of shapes.entries()) {
      const raw = `${s}${i}`;
      usedRawKeys.add(raw);
      const k = await imp({ raw_key: raw, name: s, actor_id: `${s}-actor`, scopes: [`s${i}`], metadata: { [s]: s } });
      assert.equal(k.name, s);
      assert.equal(k.actor_id, `${s}-actor`);
      assert.deepEqual(k.metadata, { [s]: s });
      made.push({ raw, id: k.key_id, actor: `${s}-actor` });
    }
    for (const m of made) {
      assert.equal((await verifyAs(t, TEST_ADMIN_TOKEN, m.raw)).key_id, m.id);
      const filter = `actor_id="${m.actor.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
      const listed = await listAll(t, TEST_ADMIN_TOKEN, filter);
      assert.deepEqual(
        listed.map((k) => k.key_id),
        [m.id],
        filter,
      );
    }
    // The table is still there, and a wildcard-looking value matches only itself.
    assert.equal((await verifyAs(t, TEST_ADMIN_TOKEN, '%')).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.ok((await listAll(t, TEST_ADMIN_TOKEN)).length >= shapes.length);
  });

  test('TTL: project default when absent; "1d" etc. honoured; ≤0, unparsable or above the max → 400 (no clamping)', async () => {
    const dflt = await imp({ raw_key: rawKey(), name: 'n', actor_id: 'u' });
    assert.equal(dflt.expire_time, new Date(T0 + 90 * 86_400_000).toISOString(), 'default 90d');
    for (const [ttl, ms] of [
      ['1d', 86_400_000],
      ['1h30m', 5_400_000],
      ['3600s', 3_600_000],
      ['365d', 365 * 86_400_000],
    ] as const) {
      const k = await imp({ raw_key: rawKey(), name: 'n', actor_id: 'u', ttl });
      assert.equal(k.expire_time, new Date(T0 + ms).toISOString(), ttl);
    }
    for (const ttl of ['0s', '-1s', 'soon', '366d', '11y', '0.5s']) {
      const res = await t.call('POST', BASE, { raw_key: rawKey(), name: 'n', actor_id: 'u', ttl });
      assert.equal(res.statusCode, 400, `${ttl}: ${res.body}`);
      expectError(res, 400, String(res.json().error.details[0].reason), ttl);
      assert.ok(['INVALID_TTL', 'INVALID_ARGUMENT'].includes(res.json().error.details[0].reason), ttl);
    }
  });

  test('the database rows hold no raw key and, for raw imports, no plain SHA-256 of it', async () => {
    const rows = await t.app.store.dialect.db.selectFrom('api_keys').selectAll().execute();
    assert.ok(rows.length > 10);
    const audit = await t.app.store.dialect.db.selectFrom('audit_events').selectAll().execute();
    assert.ok(
      audit.some((e) => e.action === 'key.import'),
      'imports are audited',
    );
    const dump = JSON.stringify([rows, audit]);
    const randomOnes = [...usedRawKeys].filter((k) => /^[A-Za-z0-9_]{20,}$/.test(k));
    assert.ok(randomOnes.length > 10);
    for (const raw of randomOnes) {
      assert.equal(dump.includes(raw), false, `raw key ${raw.slice(0, 10)}… stored`);
      assert.equal(dump.includes(sha256(raw).toString('hex')), false, `plain SHA-256 of ${raw.slice(0, 10)}… stored`);
    }
    for (const r of rows.filter((x) => x.kind === 'imported')) assert.match(String(r.lookup_hash), /^[0-9a-f]{64}$/);
  });

  test('no raw key ever reached the log', () => {
    const text = t.logs.text();
    assert.ok(text.length > 0, 'the log was captured');
    for (const raw of usedRawKeys) if (raw.length >= 8) assert.equal(text.includes(raw), false, `raw key ${raw.slice(0, 10)}… in the log`);
  });
});

describe('imported keys: verification', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  before(async () => {
    t = await createTestApp({ clock });
  });
  after(() => t.close());
  const verify = (c: string) => verifyAs(t, TEST_ADMIN_TOKEN, c);

  test('valid → is_valid true with key_id, actor_id, scopes, metadata, visibility and expire_time', async () => {
    const raw = rawKey('sk_test');
    const k = await importAs(t, TEST_ADMIN_TOKEN, { raw_key: raw, name: 'n', actor_id: 'svc-7', scopes: ['a', 'b'], metadata: { env: 'prod' }, ttl: '2h' });
    const res = await t.call('POST', VERIFY, { credential: raw });
    assert.equal(res.statusCode, 200);
    const v = res.json();
    assert.equal(v.is_valid, true);
    assert.equal(v.status, 'KEY_STATUS_ACTIVE');
    assert.equal(v.key_id, k.key_id);
    assert.equal(v.actor_id, 'svc-7');
    assert.deepEqual(v.scopes, ['a', 'b']);
    assert.deepEqual(v.metadata, { env: 'prod' });
    assert.equal(v.visibility, 'KEY_VISIBILITY_SECRET');
    assert.equal(v.expire_time, new Date(T0 + 7_200_000).toISOString());
    assert.equal(v.error_code, undefined);
    // Near misses are unknown keys.
    for (const miss of [`${raw}x`, raw.slice(0, -1), raw.toUpperCase(), ` ${raw}`]) {
      const m = await verify(miss);
      assert.equal(m.is_valid, false);
      assert.equal(m.error_code, 'VERIFICATION_ERROR_NOT_FOUND', miss);
      assert.equal(m.key_id, undefined);
    }
  });

  test('revoked → REVOKED; expired (clock advanced) → EXPIRED; unknown → NOT_FOUND; deleted → NOT_FOUND', async () => {
    const revoked = rawKey();
    const expiring = rawKey();
    const deleted = rawKey();
    const kr = await importAs(t, TEST_ADMIN_TOKEN, { raw_key: revoked, name: 'r', actor_id: 'u' });
    const ke = await importAs(t, TEST_ADMIN_TOKEN, { raw_key: expiring, name: 'e', actor_id: 'u', ttl: '1m' });
    const kd = await importAs(t, TEST_ADMIN_TOKEN, { raw_key: deleted, name: 'd', actor_id: 'u' });
    for (const r of [revoked, expiring, deleted]) assert.equal((await verify(r)).is_valid, true);

    assert.equal((await t.call('POST', `${BASE}/${kr.key_id}:revoke`, REVOKE_BODY)).statusCode, 204);
    const vr = await verify(revoked);
    assert.equal(vr.is_valid, false);
    assert.equal(vr.error_code, 'VERIFICATION_ERROR_REVOKED');
    assert.equal(vr.status, 'KEY_STATUS_REVOKED');
    assert.equal(vr.key_id, kr.key_id);

    clock.advance(61_000);
    const ve = await verify(expiring);
    assert.equal(ve.is_valid, false);
    assert.equal(ve.error_code, 'VERIFICATION_ERROR_EXPIRED');
    assert.equal(ve.status, 'KEY_STATUS_EXPIRED');
    assert.equal(ve.key_id, ke.key_id);
    assert.equal((await t.call('GET', `${BASE}/${ke.key_id}`)).json().status, 'KEY_STATUS_EXPIRED');

    const vu = await verify(`never_imported_${randomBytes(8).toString('hex')}`);
    assert.equal(vu.is_valid, false);
    assert.equal(vu.error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal(vu.key_id, undefined);

    assert.equal((await t.call('DELETE', `${BASE}/${kd.key_id}`)).statusCode, 204);
    const vd = await verify(deleted);
    assert.equal(vd.is_valid, false);
    assert.equal(vd.error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal(vd.key_id, undefined);
  });
});

describe('imported keys: lifecycle', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  before(async () => {
    t = await createTestApp({ clock, env: PLANS_ENV });
  });
  after(() => t.close());
  const imp = (body: Record<string, unknown>) => importAs(t, TEST_ADMIN_TOKEN, body);

  test('GET one; unknown or malformed ids → 404 API_KEY_NOT_FOUND', async () => {
    const k = await imp({ raw_key: rawKey(), name: 'get me', actor_id: 'u' });
    const got = await t.call('GET', `${BASE}/${k.key_id}`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), k);
    assert.equal((await t.call('GET', `${BASE}/${k.key_id.toUpperCase()}`)).json().key_id, k.key_id, 'ids are case-insensitive');
    for (const id of [UNKNOWN_ID, 'not-a-uuid', "x' OR '1'='1", '%2e%2e', 'a'.repeat(100)])
      expectError(await t.call('GET', `${BASE}/${encodeURIComponent(id)}`), 404, 'API_KEY_NOT_FOUND', id);
    // Over the path schema's length: a 400, still AIP-193.
    expectError(await t.call('GET', `${BASE}/${'a'.repeat(200)}`), 400, 'INVALID_ARGUMENT', '200-char id');
  });

  test('an imported key is not reachable through /issuedApiKeys and vice versa (404)', async () => {
    const imported = await imp({ raw_key: rawKey(), name: 'imp', actor_id: 'u' });
    const issuedRes = await t.call('POST', ISSUE, { name: 'iss', actor_id: 'u' });
    const issued = issuedRes.json().issued_api_key;
    const crossing: [string, string, unknown?][] = [
      ['GET', `${ISSUE}/${imported.key_id}`],
      ['PATCH', `${ISSUE}/${imported.key_id}`, { name: 'x' }],
      ['POST', `${ISSUE}/${imported.key_id}:revoke`, REVOKE_BODY],
      ['POST', `${ISSUE}/${imported.key_id}:rotate`, {}],
      ['GET', `${BASE}/${issued.key_id}`],
      ['PATCH', `${BASE}/${issued.key_id}`, { name: 'x' }],
      ['DELETE', `${BASE}/${issued.key_id}`],
      ['POST', `${BASE}/${issued.key_id}:revoke`, REVOKE_BODY],
    ];
    for (const [method, url, body] of crossing) expectError(await t.call(method as 'GET', url, body), 404, 'API_KEY_NOT_FOUND', `${method} ${url}`);
    // Unchanged, and each list shows only its kind.
    assert.equal((await t.call('GET', `${BASE}/${imported.key_id}`)).json().status, 'KEY_STATUS_ACTIVE');
    assert.equal((await t.call('GET', `${ISSUE}/${issued.key_id}`)).json().status, 'KEY_STATUS_ACTIVE');
    const ids = (await listAll(t, TEST_ADMIN_TOKEN)).map((k) => k.key_id);
    assert.ok(ids.includes(imported.key_id));
    assert.ok(!ids.includes(issued.key_id));
    const issuedIds = (await t.call('GET', `${ISSUE}?page_size=1000`)).json().issued_api_keys.map((k: { key_id: string }) => k.key_id);
    assert.ok(!issuedIds.includes(imported.key_id));
  });

  test('list: actor_id and status filters, page_size and page tokens to the end; bad tokens and filters → 400', async () => {
    const p = await createProject(t, 'lister');
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push((await importAs(t, p.token, { raw_key: rawKey(), name: `l${i}`, actor_id: 'lister-actor' })).key_id);
    const others: string[] = [];
    for (let i = 0; i < 2; i++) others.push((await importAs(t, p.token, { raw_key: rawKey(), name: `o${i}`, actor_id: 'other-actor' })).key_id);
    assert.equal((await t.as(p.token, 'POST', `${BASE}/${mine[0]}:revoke`, REVOKE_BODY)).statusCode, 204);
    await t.as(p.token, 'POST', ISSUE, { name: 'issued one', actor_id: 'lister-actor' });

    const filter = 'actor_id="lister-actor"';
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    let firstToken = '';
    do {
      const res = await t.as(
        p.token,
        'GET',
        `${BASE}?page_size=2&filter=${encodeURIComponent(filter)}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`,
      );
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.ok(body.imported_api_keys.length <= 2);
      for (const k of body.imported_api_keys) {
        assert.equal(k.actor_id, 'lister-actor');
        assertResource(k);
      }
      seen.push(...body.imported_api_keys.map((k: { key_id: string }) => k.key_id));
      token = body.next_page_token;
      if (pages === 0) firstToken = token;
      pages++;
      assert.ok(pages < 10);
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(new Set(seen), new Set(mine));
    assert.equal(seen.length, 5, 'no key twice');

    assert.deepEqual(new Set((await listAll(t, p.token, 'status=KEY_STATUS_REVOKED')).map((k) => k.key_id)), new Set([mine[0]]));
    const active = (await listAll(t, p.token, `${filter} AND status=KEY_STATUS_ACTIVE`)).map((k) => k.key_id);
    assert.deepEqual(new Set(active), new Set(mine.slice(1)));
    assert.deepEqual(new Set((await listAll(t, p.token)).map((k) => k.key_id)), new Set([...mine, ...others]), 'no issued key in the imported list');

    // Tampered, foreign-list, foreign-filter and foreign-project tokens.
    const tampered = `${firstToken.slice(0, -2)}${firstToken.endsWith('AA') ? 'BB' : 'AA'}`;
    const issuedPage = await t.as(p.token, 'GET', `${ISSUE}?page_size=1&filter=${encodeURIComponent(filter)}`);
    const issuedToken = issuedPage.json().next_page_token as string;
    const extra = await t.as(p.token, 'POST', ISSUE, { name: 'issued two', actor_id: 'lister-actor' });
    assert.equal(extra.statusCode, 201);
    const issuedToken2 = (await t.as(p.token, 'GET', `${ISSUE}?page_size=1&filter=${encodeURIComponent(filter)}`)).json().next_page_token as string;
    assert.ok(issuedToken2, 'an issued-list page token exists');
    const q = (tok: string, f = filter) => `${BASE}?page_size=2&filter=${encodeURIComponent(f)}&page_token=${encodeURIComponent(tok)}`;
    expectError(await t.as(p.token, 'GET', q(tampered)), 400, 'INVALID_PAGE_TOKEN', 'tampered');
    expectError(await t.as(p.token, 'GET', q('garbage')), 400, 'INVALID_PAGE_TOKEN', 'garbage');
    expectError(await t.as(p.token, 'GET', q(issuedToken2)), 400, 'INVALID_PAGE_TOKEN', 'issued-list token on the imported list');
    if (issuedToken) expectError(await t.as(p.token, 'GET', q(issuedToken)), 400, 'INVALID_PAGE_TOKEN', 'issued-list token (first)');
    expectError(await t.as(p.token, 'GET', q(firstToken, 'actor_id="other-actor"')), 400, 'INVALID_PAGE_TOKEN', 'token with another filter');
    expectError(await t.call('GET', q(firstToken)), 400, 'INVALID_PAGE_TOKEN', "another project's token");
    for (const f of ['name="x"', 'actor_id=unquoted', 'status=KEY_STATUS_NOPE', 'actor_id="a" OR actor_id="b"', `actor_id="x"; DROP TABLE api_keys`])
      expectError(await t.as(p.token, 'GET', `${BASE}?filter=${encodeURIComponent(f)}`), 400, 'INVALID_FILTER', f);
    expectError(await t.as(p.token, 'GET', `${BASE}?page_size=abc`), 400, 'INVALID_ARGUMENT', 'page_size');
    // page_size beyond the maximum is clamped, not refused.
    assert.equal((await t.as(p.token, 'GET', `${BASE}?page_size=100000`)).statusCode, 200);
  });

  test('PATCH (AIP-134): top-level, wrapped, update_mask; masked-empty clears; bad mask or key_id → 400', async () => {
    const raw = rawKey();
    const k = await imp({ raw_key: raw, name: 'before', actor_id: 'u', scopes: ['a'], metadata: { m: 1 }, rate_limit_policy: { quota: 5, window: '1m' } });
    const url = `${BASE}/${k.key_id}`;
    clock.advance(1000);

    const top = await t.call('PATCH', url, { name: 'top-level', scopes: ['b', 'c'] });
    assert.equal(top.statusCode, 200, top.body);
    assert.equal(top.json().name, 'top-level');
    assert.deepEqual(top.json().scopes, ['b', 'c']);
    assert.deepEqual(top.json().metadata, { m: 1 }, 'absent fields untouched');
    assert.equal(top.json().update_time, new Date(T0 + 1000).toISOString());
    assertNoSecret(top, await projectId(t, 'default'), raw);

    const wrapped = await t.call('PATCH', url, { imported_api_key: { name: 'wrapped', metadata: { m: 2 } } });
    assert.equal(wrapped.statusCode, 200, wrapped.body);
    assert.equal(wrapped.json().name, 'wrapped');
    assert.deepEqual(wrapped.json().metadata, { m: 2 });
    assert.deepEqual(wrapped.json().scopes, ['b', 'c']);

    const masked = await t.call('PATCH', `${url}?update_mask=scopes`, { imported_api_key: { scopes: ['only'], name: 'ignored' } });
    assert.equal(masked.statusCode, 200, masked.body);
    assert.deepEqual(masked.json().scopes, ['only']);
    assert.equal(masked.json().name, 'wrapped');

    const prefixed = await t.call('PATCH', `${url}?update_mask=${encodeURIComponent('imported_api_key.name,metadata')}`, { name: 'prefixed' });
    assert.equal(prefixed.statusCode, 200, prefixed.body);
    assert.equal(prefixed.json().name, 'prefixed');
    assert.deepEqual(prefixed.json().metadata, {}, 'masked but absent → cleared');

    const clear = await t.call('PATCH', `${url}?update_mask=rate_limit_policy,scopes`, {});
    assert.equal(clear.statusCode, 200, clear.body);
    assert.equal(clear.json().rate_limit_policy, undefined);
    assert.deepEqual(clear.json().scopes, []);

    // Output-only fields are ignored; the whole fetched resource round-trips.
    const fetched = (await t.call('GET', url)).json();
    const round = await t.call('PATCH', url, { ...fetched, name: 'round-trip', status: 'KEY_STATUS_REVOKED', actor_id: 'hijack' });
    assert.equal(round.statusCode, 200, round.body);
    assert.equal(round.json().name, 'round-trip');
    assert.equal(round.json().status, 'KEY_STATUS_ACTIVE');
    assert.equal(round.json().actor_id, 'u', 'actor_id is not updatable');

    for (const mask of ['actor_id', 'status', 'expire_time', 'raw_key', 'lookup_hash', 'name,key_id'])
      expectError(await t.call('PATCH', `${url}?update_mask=${mask}`, { name: 'x' }), 400, 'INVALID_UPDATE_MASK', mask);
    expectError(await t.call('PATCH', url, { key_id: UNKNOWN_ID, name: 'x' }), 400, 'INVALID_ARGUMENT', 'key_id mismatch');
    expectError(await t.call('PATCH', url, { raw_key: 'x' }), 400, 'INVALID_ARGUMENT', 'raw_key is not updatable');
    expectError(await t.call('PATCH', url, { name: 'a\u0000b' }), 400, 'INVALID_ARGUMENT', 'NUL in name');
    expectError(await t.call('PATCH', `${BASE}/${UNKNOWN_ID}`, { name: 'x' }), 404, 'API_KEY_NOT_FOUND', 'unknown');

    // The verify result reflects the update.
    assert.equal((await t.call('PATCH', url, { scopes: ['after-update'] })).statusCode, 200);
    const v = await verifyAs(t, TEST_ADMIN_TOKEN, raw);
    assert.deepEqual(v.scopes, ['after-update']);
  });

  test('DELETE: 204, then 404 everywhere; the quota slot is freed (a revoked key frees none twice)', async () => {
    const p = await createProject(t, 'deleter', { plan: 'tiny' });
    const raws = [rawKey(), rawKey(), rawKey()];
    const keys: Record<string, any>[] = [];
    for (const raw of raws) keys.push(await importAs(t, p.token, { raw_key: raw, name: 'd', actor_id: 'u' }));
    assert.equal(await usage(t, 'deleter'), 3);
    const full = expectError(await t.as(p.token, 'POST', BASE, { raw_key: rawKey(), name: 'd', actor_id: 'u' }), 402, 'API_KEY_QUOTA_EXCEEDED', 'full');
    assert.deepEqual(full.details[0].metadata, { limit: '3', current_usage: '3' });

    assert.equal((await t.as(p.token, 'DELETE', `${BASE}/${keys[0].key_id}`)).statusCode, 204);
    expectError(await t.as(p.token, 'GET', `${BASE}/${keys[0].key_id}`), 404, 'API_KEY_NOT_FOUND', 'get after delete');
    expectError(await t.as(p.token, 'DELETE', `${BASE}/${keys[0].key_id}`), 404, 'API_KEY_NOT_FOUND', 'delete twice');
    expectError(await t.as(p.token, 'POST', `${BASE}/${keys[0].key_id}:revoke`, REVOKE_BODY), 404, 'API_KEY_NOT_FOUND', 'revoke after delete');
    expectError(await t.as(p.token, 'PATCH', `${BASE}/${keys[0].key_id}`, { name: 'x' }), 404, 'API_KEY_NOT_FOUND', 'patch after delete');
    assert.equal((await verifyAs(t, p.token, raws[0])).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal(await usage(t, 'deleter'), 2);
    assert.ok(!(await listAll(t, p.token)).some((k) => k.key_id === keys[0].key_id));

    // The freed slot takes a new key — even the very same raw key (a new record, a new key_id).
    const back = await importAs(t, p.token, { raw_key: raws[0], name: 'back', actor_id: 'u' });
    assert.notEqual(back.key_id, keys[0].key_id);
    assert.equal(await usage(t, 'deleter'), 3);

    // Revoke frees the slot once; deleting the revoked key frees nothing more.
    assert.equal((await t.as(p.token, 'POST', `${BASE}/${keys[1].key_id}:revoke`, REVOKE_BODY)).statusCode, 204);
    assert.equal(await usage(t, 'deleter'), 2);
    assert.equal((await t.as(p.token, 'DELETE', `${BASE}/${keys[1].key_id}`)).statusCode, 204);
    assert.equal(await usage(t, 'deleter'), 2);
    assert.equal((await listAll(t, p.token, 'status=KEY_STATUS_ACTIVE')).length, 2);
    await importAs(t, p.token, { raw_key: rawKey(), name: 'last slot', actor_id: 'u' });
    expectError(await t.as(p.token, 'POST', BASE, { raw_key: rawKey(), name: 'd', actor_id: 'u' }), 402, 'API_KEY_QUOTA_EXCEEDED', 'full again');

    // A replayed request_id at the limit is the original key, not a 402.
    const q = await createProject(t, 'deleter-idem', { plan: 'tiny' });
    const orig = await importAs(t, q.token, { raw_key: rawKey(), name: 'o', actor_id: 'u', request_id: 'at-limit' });
    for (let i = 0; i < 2; i++) await importAs(t, q.token, { raw_key: rawKey(), name: 'f', actor_id: 'u' });
    assert.equal((await importAs(t, q.token, { raw_key: rawKey(), name: 'o', actor_id: 'u', request_id: 'at-limit' })).key_id, orig.key_id);
  });

  test(':revoke → 204, again → 409 API_KEY_ALREADY_REVOKED; reason rules as for issued keys', async () => {
    const raw = rawKey();
    const k = await imp({ raw_key: raw, name: 'rv', actor_id: 'u' });
    const url = `${BASE}/${k.key_id}:revoke`;
    expectError(await t.call('POST', url, {}), 400, 'INVALID_ARGUMENT', 'no reason');
    expectError(
      await t.call('POST', url, { reason: 'REVOCATION_REASON_KEY_COMPROMISE', description: 'why' }),
      400,
      'INVALID_ARGUMENT',
      'description without PRIVILEGE_WITHDRAWN',
    );
    const res = await t.call('POST', url, { reason: 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN', description: 'left the team' });
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    const got = (await t.call('GET', `${BASE}/${k.key_id}`)).json();
    assert.equal(got.status, 'KEY_STATUS_REVOKED');
    assert.equal(got.revocation_reason, 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN');
    assert.equal(got.revocation_description, 'left the team');
    expectError(await t.call('POST', url, REVOKE_BODY), 409, 'API_KEY_ALREADY_REVOKED', 'twice');
    expectError(await t.call('POST', `/v2alpha1/admin/apiKeys/${k.key_id}:revoke`, REVOKE_BODY), 409, 'API_KEY_ALREADY_REVOKED', 'alias on a revoked key');
    expectError(await t.call('POST', `${BASE}/${UNKNOWN_ID}:revoke`, REVOKE_BODY), 404, 'API_KEY_NOT_FOUND', 'unknown');
    assert.equal((await verifyAs(t, TEST_ADMIN_TOKEN, raw)).error_code, 'VERIFICATION_ERROR_REVOKED');
    // Revocation is irreversible: a PATCH does not reactivate.
    assert.equal((await t.call('PATCH', `${BASE}/${k.key_id}`, { name: 'still revoked' })).json().status, 'KEY_STATUS_REVOKED');
  });

  test('the alias POST /v2alpha1/admin/apiKeys/{key_id}:revoke revokes an imported and an issued key', async () => {
    const raw = rawKey();
    const imported = await imp({ raw_key: raw, name: 'alias-imp', actor_id: 'u' });
    const issued = (await t.call('POST', ISSUE, { name: 'alias-iss', actor_id: 'u' })).json();
    for (const [id, credential, getUrl] of [
      [imported.key_id, raw, `${BASE}/${imported.key_id}`],
      [issued.issued_api_key.key_id, issued.secret, `${ISSUE}/${issued.issued_api_key.key_id}`],
    ]) {
      const res = await t.call('POST', `/v2alpha1/admin/apiKeys/${id}:revoke`, { reason: 'REVOCATION_REASON_SUPERSEDED' });
      assert.equal(res.statusCode, 204, res.body);
      assert.equal((await t.call('GET', getUrl)).json().revocation_reason, 'REVOCATION_REASON_SUPERSEDED');
      assert.equal((await verifyAs(t, TEST_ADMIN_TOKEN, credential)).error_code, 'VERIFICATION_ERROR_REVOKED');
      expectError(await t.call('POST', `/v2alpha1/admin/apiKeys/${id}:revoke`, REVOKE_BODY), 409, 'API_KEY_ALREADY_REVOKED', 'alias twice');
    }
    expectError(await t.call('POST', `/v2alpha1/admin/apiKeys/${UNKNOWN_ID}:revoke`, REVOKE_BODY), 404, 'API_KEY_NOT_FOUND', 'alias unknown');
  });
});

describe('imported keys: SHA-256 digest imports', () => {
  let t: TestApp;
  let defaultId: string;
  before(async () => {
    t = await createTestApp({ clock: new FrozenClock(T0) });
    defaultId = await projectId(t, 'default');
  });
  after(() => t.close());
  const row = async (project: string, keyId: string) => {
    const k = await t.app.store.keys(project).getByKind('imported', keyId);
    assert.ok(k, 'the row exists');
    return k;
  };

  test('hex import; base64 / base64url / upper-case hex of the same digest and the raw key → 409; re-hashed on first verify', async () => {
    const raw = rawKey('legacy');
    const digest = sha256(raw);
    const hex = digest.toString('hex');
    const res = await t.call('POST', BASE, { sha256: hex, name: 'from digest', actor_id: 'migrated', scopes: ['x'] });
    assert.equal(res.statusCode, 201, res.body);
    const k = res.json();
    assert.equal(res.headers.location, `${BASE}/${k.key_id}`);
    assertResource(k);
    assertNoSecret(res, defaultId, raw);

    for (const [what, body] of [
      ['base64', { sha256: digest.toString('base64') }],
      ['base64 without padding', { sha256: digest.toString('base64').replace(/=$/, '') }],
      ['base64url', { sha256: digest.toString('base64url') }],
      ['upper-case hex', { sha256: hex.toUpperCase() }],
      ['the raw key', { raw_key: raw }],
    ] as const)
      expectError(await t.call('POST', BASE, { ...body, name: 'dup', actor_id: 'u' }), 409, 'API_KEY_EXISTS', what);

    assert.equal((await row(defaultId, k.key_id)).lookupHash, hex, 'stored as the digest before the first verify');

    // The digest itself is not the key.
    for (const c of [hex, digest.toString('base64')]) assert.equal((await verifyAs(t, TEST_ADMIN_TOKEN, c)).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal((await row(defaultId, k.key_id)).lookupHash, hex, 'failed verifies upgrade nothing');

    const v = await verifyAs(t, TEST_ADMIN_TOKEN, raw);
    assert.equal(v.is_valid, true);
    assert.equal(v.key_id, k.key_id);
    assert.equal(v.actor_id, 'migrated');
    assert.deepEqual(v.scopes, ['x']);
    const tenantHash = importedKeyHash(defaultId, raw);
    await until(async () => (await row(defaultId, k.key_id)).lookupHash === tenantHash, 'the tenant-bound re-hash');
    assert.notEqual((await row(defaultId, k.key_id)).lookupHash, hex);

    const again = await verifyAs(t, TEST_ADMIN_TOKEN, raw);
    assert.equal(again.is_valid, true);
    assert.equal(again.key_id, k.key_id);
    expectError(await t.call('POST', BASE, { raw_key: raw, name: 'dup', actor_id: 'u' }), 409, 'API_KEY_EXISTS', 'raw key after the upgrade');
    const got = (await t.call('GET', `${BASE}/${k.key_id}`)).json();
    assert.deepEqual([got.key_id, got.name, got.status], [k.key_id, 'from digest', 'KEY_STATUS_ACTIVE']);
  });

  test('base64 import first; the raw key after the digest → 409; a revoked digest key is not re-hashed', async () => {
    const raw = rawKey('legacy');
    const digest = sha256(raw);
    const k = await importAs(t, TEST_ADMIN_TOKEN, { sha256: digest.toString('base64'), name: 'b64', actor_id: 'u' });
    assert.equal((await row(defaultId, k.key_id)).lookupHash, digest.toString('hex'));
    expectError(await t.call('POST', BASE, { raw_key: raw, name: 'dup', actor_id: 'u' }), 409, 'API_KEY_EXISTS', 'raw after digest');
    expectError(await t.call('POST', BASE, { sha256: digest.toString('hex'), name: 'dup', actor_id: 'u' }), 409, 'API_KEY_EXISTS', 'hex after base64');

    assert.equal((await t.call('POST', `${BASE}/${k.key_id}:revoke`, REVOKE_BODY)).statusCode, 204);
    const v = await verifyAs(t, TEST_ADMIN_TOKEN, raw);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_REVOKED');
    assert.equal(v.key_id, k.key_id);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await row(defaultId, k.key_id)).lookupHash, digest.toString('hex'), 'no proof of a usable key → no upgrade');
  });

  test('the same digest in two projects: independent records; the re-hash binds each to its own project', async () => {
    const a = await createProject(t, 'digest-a');
    const b = await createProject(t, 'digest-b');
    const raw = rawKey('legacy');
    const hex = sha256(raw).toString('hex');
    const ka = await importAs(t, a.token, { sha256: hex, name: 'a', actor_id: 'u' });
    const kb = await importAs(t, b.token, { sha256: hex, name: 'b', actor_id: 'u' });
    assert.notEqual(ka.key_id, kb.key_id);
    assert.equal((await verifyAs(t, a.token, raw)).key_id, ka.key_id);
    await until(async () => (await row(a.id, ka.key_id)).lookupHash === importedKeyHash(a.id, raw), 'A re-hashed');
    assert.equal((await row(b.id, kb.key_id)).lookupHash, hex, "B's record untouched by A's verify");
    assert.equal((await verifyAs(t, b.token, raw)).key_id, kb.key_id);
    await until(async () => (await row(b.id, kb.key_id)).lookupHash === importedKeyHash(b.id, raw), 'B re-hashed');
    assert.notEqual(importedKeyHash(a.id, raw), importedKeyHash(b.id, raw));
    assert.equal((await verifyAs(t, a.token, raw)).key_id, ka.key_id);
    assert.equal((await verifyAs(t, b.token, raw)).key_id, kb.key_id);
  });
});

describe('imported keys: two projects', () => {
  let t: TestApp;
  let a: OperatorProject;
  let b: OperatorProject;
  before(async () => {
    t = await createTestApp({ clock: new FrozenClock(T0) });
    a = await createProject(t, 'imp-a');
    b = await createProject(t, 'imp-b');
  });
  after(() => t.close());

  test('the same raw key in A and B: two independent records; verify answers each project with its own key_id', async () => {
    const raw = rawKey('shared');
    const ka = await importAs(t, a.token, { raw_key: raw, name: 'in a', actor_id: 'alice', scopes: ['a'] });
    const kb = await importAs(t, b.token, { raw_key: raw, name: 'in b', actor_id: 'bob', scopes: ['b'] });
    assert.notEqual(ka.key_id, kb.key_id);
    const ra = await t.app.store.keys(a.id).getByKind('imported', ka.key_id);
    const rb = await t.app.store.keys(b.id).getByKind('imported', kb.key_id);
    assert.equal(ra?.lookupHash, importedKeyHash(a.id, raw));
    assert.equal(rb?.lookupHash, importedKeyHash(b.id, raw));
    assert.notEqual(ra?.lookupHash, rb?.lookupHash, 'hashes are tenant-bound');
    assert.equal(await t.app.store.keys(a.id).getByKind('imported', kb.key_id), undefined);

    const va = await verifyAs(t, a.token, raw);
    const vb = await verifyAs(t, b.token, raw);
    assert.deepEqual([va.key_id, va.actor_id, va.scopes], [ka.key_id, 'alice', ['a']]);
    assert.deepEqual([vb.key_id, vb.actor_id, vb.scopes], [kb.key_id, 'bob', ['b']]);
    // A third project (the default one) knows nothing of it.
    const vd = await verifyAs(t, TEST_ADMIN_TOKEN, raw);
    assert.equal(vd.error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal(vd.key_id, undefined);

    // Cross-project access by id is an unknown key.
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'x' }],
      ['DELETE', '', undefined],
      ['POST', ':revoke', REVOKE_BODY],
    ] as const)
      expectError(await t.as(a.token, method, `${BASE}/${kb.key_id}${suffix}`, body), 404, 'API_KEY_NOT_FOUND', `${method} B's key with A's token`);
    expectError(await t.as(a.token, 'POST', `/v2alpha1/admin/apiKeys/${kb.key_id}:revoke`, REVOKE_BODY), 404, 'API_KEY_NOT_FOUND', 'alias');
    assert.ok(!(await listAll(t, a.token)).some((k) => k.key_id === kb.key_id));

    // Revoking in A leaves B valid; deleting in B leaves A's (revoked) record.
    assert.equal((await t.as(a.token, 'POST', `${BASE}/${ka.key_id}:revoke`, REVOKE_BODY)).statusCode, 204);
    assert.equal((await verifyAs(t, a.token, raw)).error_code, 'VERIFICATION_ERROR_REVOKED');
    const still = await verifyAs(t, b.token, raw);
    assert.equal(still.is_valid, true);
    assert.equal(still.key_id, kb.key_id);
    assert.equal((await t.as(b.token, 'DELETE', `${BASE}/${kb.key_id}`)).statusCode, 204);
    assert.equal((await verifyAs(t, b.token, raw)).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal((await t.as(a.token, 'GET', `${BASE}/${ka.key_id}`)).json().status, 'KEY_STATUS_REVOKED');
    // B may import it again; A's revoked record still blocks A.
    await importAs(t, b.token, { raw_key: raw, name: 'again', actor_id: 'bob' });
    expectError(await t.as(a.token, 'POST', BASE, { raw_key: raw, name: 'again', actor_id: 'alice' }), 409, 'API_KEY_EXISTS', 'A again');
  });
});

describe('imported keys: permissions and concurrency', () => {
  let t: TestApp;
  let p: OperatorProject;
  before(async () => {
    t = await createTestApp({ clock: new FrozenClock(T0), env: PLANS_ENV });
    p = await createProject(t, 'imp-conc');
  });
  after(() => t.close());

  test('a read token lists and gets but cannot write; a verify token only verifies', async () => {
    const raw = rawKey();
    const k = await importAs(t, p.token, { raw_key: raw, name: 'perm', actor_id: 'u' });
    const read = await createToken(t, p.id, ['read']);
    const gateway = await createToken(t, p.id, ['verify']);
    assert.equal((await t.as(read.secret, 'GET', `${BASE}/${k.key_id}`)).statusCode, 200);
    assert.equal((await t.as(read.secret, 'GET', BASE)).statusCode, 200);
    const writes: [string, string, unknown?][] = [
      ['POST', BASE, { raw_key: rawKey(), name: 'n', actor_id: 'u' }],
      ['POST', `${BASE}:batchCreate`, { requests: [{ raw_key: rawKey(), name: 'n', actor_id: 'u' }] }],
      ['PATCH', `${BASE}/${k.key_id}`, { name: 'x' }],
      ['DELETE', `${BASE}/${k.key_id}`],
      ['POST', `${BASE}/${k.key_id}:revoke`, REVOKE_BODY],
      ['POST', `/v2alpha1/admin/apiKeys/${k.key_id}:revoke`, REVOKE_BODY],
    ];
    for (const token of [read.secret, gateway.secret])
      for (const [method, url, body] of writes) expectError(await t.as(token, method as 'POST', url, body), 403, 'PERMISSION_DENIED', `${method} ${url}`);
    expectError(await t.as(gateway.secret, 'GET', `${BASE}/${k.key_id}`), 403, 'PERMISSION_DENIED', 'verify token GET');
    expectError(await t.as(gateway.secret, 'GET', BASE), 403, 'PERMISSION_DENIED', 'verify token list');
    assert.equal((await verifyAs(t, gateway.secret, raw)).key_id, k.key_id);
    const after = (await t.as(p.token, 'GET', `${BASE}/${k.key_id}`)).json();
    assert.deepEqual([after.name, after.status], ['perm', 'KEY_STATUS_ACTIVE'], 'nothing changed');
  });

  test('a project with API keys disabled refuses imports, batches and lists (403 API_KEYS_NOT_ENABLED)', async () => {
    const off = await createProject(t, 'imp-off', { enable: false });
    const raw = rawKey();
    expectError(await t.as(off.token, 'POST', BASE, { raw_key: raw, name: 'n', actor_id: 'u' }), 403, 'API_KEYS_NOT_ENABLED', 'import');
    expectError(
      await t.as(off.token, 'POST', `${BASE}:batchCreate`, { requests: [{ raw_key: raw, name: 'n', actor_id: 'u' }] }),
      403,
      'API_KEYS_NOT_ENABLED',
      'batch',
    );
    expectError(await t.as(off.token, 'GET', BASE), 403, 'API_KEYS_NOT_ENABLED', 'list');
    assert.equal((await t.op('POST', `${P}/imp-off:enableApiKeys`)).statusCode, 200);
    const k = await importAs(t, off.token, { raw_key: raw, name: 'n', actor_id: 'u' });
    assert.equal((await verifyAs(t, off.token, raw)).key_id, k.key_id);
  });

  test('rotating the HMAC secret leaves imported keys verifying, and open page tokens valid', async () => {
    const r = await createProject(t, 'imp-rot');
    const raws = [rawKey(), rawKey(), rawKey()];
    const ids: string[] = [];
    for (const raw of raws) ids.push((await importAs(t, r.token, { raw_key: raw, name: 'rot', actor_id: 'u' })).key_id);
    const page = await t.as(r.token, 'GET', `${BASE}?page_size=1`);
    const token = page.json().next_page_token as string;
    assert.ok(token);
    const rot = await t.op('POST', `${P}/imp-rot/hmacSecrets:rotate`, { retired_ttl: '1h' });
    assert.equal(rot.statusCode, 200, rot.body);
    for (const [i, raw] of raws.entries()) assert.equal((await verifyAs(t, r.token, raw)).key_id, ids[i]);
    const next = await t.as(r.token, 'GET', `${BASE}?page_size=1&page_token=${encodeURIComponent(token)}`);
    assert.equal(next.statusCode, 200, next.body);
    assert.equal(next.json().imported_api_keys.length, 1);
  });

  test('10 concurrent imports of one raw key → one 201 and nine 409; usage +1', async () => {
    const before = await usage(t, 'imp-conc');
    const raw = rawKey();
    const res = await Promise.all(Array.from({ length: 10 }, (_, i) => t.as(p.token, 'POST', BASE, { raw_key: raw, name: `c${i}`, actor_id: 'u' })));
    const codes = res.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, ...Array(9).fill(409)], res.map((r) => r.body.slice(0, 120)).join('\n'));
    for (const r of res.filter((x) => x.statusCode === 409)) expectError(r, 409, 'API_KEY_EXISTS', 'loser');
    assert.equal(await usage(t, 'imp-conc'), before + 1);
    assert.equal((await verifyAs(t, p.token, raw)).key_id, res.find((r) => r.statusCode === 201)?.json().key_id);
  });

  test('10 concurrent imports with one request_id (different keys) → all 201 with one key_id', async () => {
    const before = await usage(t, 'imp-conc');
    const res = await Promise.all(
      Array.from({ length: 10 }, () => t.as(p.token, 'POST', BASE, { raw_key: rawKey(), name: 'same req', actor_id: 'u', request_id: 'conc-req-1' })),
    );
    assert.deepEqual(
      res.map((r) => r.statusCode),
      Array(10).fill(201),
      res.map((r) => r.body.slice(0, 160)).join('\n'),
    );
    assert.equal(new Set(res.map((r) => r.json().key_id)).size, 1);
    assert.equal(await usage(t, 'imp-conc'), before + 1);
  });

  test('concurrent deletes and revokes of one key free exactly one slot', async () => {
    const k = await importAs(t, p.token, { raw_key: rawKey(), name: 'victim', actor_id: 'u' });
    const before = await usage(t, 'imp-conc');
    const ops = [
      ...Array.from({ length: 5 }, () => t.as(p.token, 'DELETE', `${BASE}/${k.key_id}`)),
      ...Array.from({ length: 5 }, () => t.as(p.token, 'POST', `${BASE}/${k.key_id}:revoke`, REVOKE_BODY)),
      ...Array.from({ length: 3 }, () => t.as(p.token, 'POST', `/v2alpha1/admin/apiKeys/${k.key_id}:revoke`, REVOKE_BODY)),
    ];
    const res = await Promise.all(ops);
    assert.ok(
      res.every((r) => [204, 404, 409].includes(r.statusCode)),
      res.map((r) => `${r.statusCode} ${r.body.slice(0, 100)}`).join('\n'),
    );
    assert.equal(res.slice(0, 5).filter((r) => r.statusCode === 204).length, 1, 'exactly one delete wins');
    expectError(await t.as(p.token, 'GET', `${BASE}/${k.key_id}`), 404, 'API_KEY_NOT_FOUND', 'gone');
    assert.equal(await usage(t, 'imp-conc'), before - 1);
    assert.equal(await usage(t, 'imp-conc'), (await listAll(t, p.token, 'status=KEY_STATUS_ACTIVE')).length);
  });
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { FrozenClock } from '../../src/shared/clock.js';
import { SqlKeyStore } from '../../src/store/sql/sql-key-store.js';
import { createProject, expectError, type OperatorProject } from '../helpers/operator.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Batch import (SPEC §3 "Batch import", AIP-231 semantics as Talos): 1–1000 items, a result per item
// {index, imported_api_key | error_code, error_message}, success/failure counts, 200 when ≥ 1 item
// succeeded and the dominant error as a non-200 otherwise; quota per item (RESOURCE_EXHAUSTED), exact
// under concurrent batches; request_id replays are successes.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const P = '/operator/v1/projects';
const BASE = '/v2alpha1/admin/importedApiKeys';
const BATCH = `${BASE}:batchCreate`;
const ISSUE = '/v2alpha1/admin/issuedApiKeys';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const E = (code: string) => `BATCH_CREATE_IMPORTED_API_KEYS_ERROR_${code}`;

const PLANS_ENV = {
  KEYSMITH_PLANS: JSON.stringify({
    four: { max_active_keys: 4, caching: false, rate_limiting: false },
    k1000: { max_active_keys: 1000, caching: false, rate_limiting: false },
    p200: { max_active_keys: 200, caching: false, rate_limiting: false },
    custom: { max_active_keys: null, caching: false, rate_limiting: false },
  }),
  KEYSMITH_PROJECTS_DEFAULT_PLAN: 'custom',
};

const usedRawKeys = new Set<string>();
const rawKey = (tag = 'ext') => {
  const k = `${tag}_${randomBytes(16).toString('hex')}`;
  usedRawKeys.add(k);
  return k;
};

interface BatchResult {
  index: number;
  imported_api_key?: Record<string, any>;
  replayed?: boolean;
  error_code?: string;
  error_message?: string;
}
interface BatchBody {
  results: BatchResult[];
  success_count: number;
  failure_count: number;
}

async function batch(t: TestApp, token: string, requests: unknown[]): Promise<LightMyRequestResponse> {
  return t.as(token, 'POST', BATCH, { requests });
}

async function batchOk(t: TestApp, token: string, requests: unknown[]): Promise<BatchBody> {
  const res = await batch(t, token, requests);
  assert.equal(res.statusCode, 200, res.body.slice(0, 500));
  const body = res.json() as BatchBody;
  assert.equal(body.results.length, requests.length);
  for (const [i, r] of body.results.entries()) assert.equal(r.index, i, 'results in request order, index = position');
  assert.equal(body.success_count + body.failure_count, requests.length);
  assert.equal(body.success_count, body.results.filter((r) => r.imported_api_key).length);
  for (const r of body.results) {
    if (r.imported_api_key) {
      assert.equal(r.error_code, undefined);
      assert.match(r.imported_api_key.key_id, /^[0-9a-f-]{36}$/);
    } else {
      assert.match(String(r.error_code), /^BATCH_CREATE_IMPORTED_API_KEYS_ERROR_[A-Z_]+$/);
      assert.ok(r.error_message && r.error_message.length > 0);
    }
  }
  return body;
}

async function usage(t: TestApp, slug: string): Promise<number> {
  const res = await t.op('GET', `${P}/${slug}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().usage.active_keys;
}

async function listAll(t: TestApp, token: string, filter = ''): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = [];
  let tok = '';
  do {
    const res = await t.as(
      token,
      'GET',
      `${BASE}?page_size=1000${filter ? `&filter=${encodeURIComponent(filter)}` : ''}${tok ? `&page_token=${encodeURIComponent(tok)}` : ''}`,
    );
    assert.equal(res.statusCode, 200, res.body);
    out.push(...res.json().imported_api_keys);
    tok = res.json().next_page_token;
  } while (tok);
  return out;
}

async function verify(t: TestApp, token: string, credential: string): Promise<Record<string, any>> {
  const res = await t.as(token, 'POST', VERIFY, { credential });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

const item = (raw: string, extra: Record<string, unknown> = {}) => ({ raw_key: raw, name: 'batch item', actor_id: 'batch-actor', ...extra });

describe('batch import: per-item semantics', () => {
  let t: TestApp;
  let p: OperatorProject;
  let issuedSecret: string;
  let existingRaw: string;
  before(async () => {
    t = await createTestApp({ clock: new FrozenClock(T0), env: PLANS_ENV });
    p = await createProject(t, 'batch-four', { plan: 'four' });
    const issued = await t.as(p.token, 'POST', ISSUE, { name: 'issued', actor_id: 'u' });
    assert.equal(issued.statusCode, 201, issued.body);
    issuedSecret = issued.json().secret;
    existingRaw = rawKey('existing');
    assert.equal((await t.as(p.token, 'POST', BASE, item(existingRaw))).statusCode, 201);
  });
  after(() => t.close());

  test('one mixed batch: each result has its index and error code; counts right; 200', async () => {
    // 2 of 4 slots used (one issued, one imported key): the first two valid items take the last slots.
    const a = rawKey('a');
    const b = rawKey('b');
    const c = rawKey('c');
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const requests: unknown[] = [
      item(a, { scopes: ['s'], metadata: { i: 0 }, ttl: '1h' }), // 0 ok
      { raw_key: rawKey(), actor_id: 'u' }, // 1 missing name
      item(a, { name: 'same key again' }), // 2 duplicate within the batch
      item(existingRaw), // 3 duplicate of an existing key
      item(b), // 4 ok (last slot)
      item(issuedSecret), // 5 issued-key format
      item(jwt), // 6 JWT-shaped
      item(c), // 7 valid, but over quota
      item(`mc_v1_${randomBytes(30).toString('base64url')}`), // 8 macaroon-shaped
      42, // 9 not an object
      { ...item(rawKey()), hash: 'unknown field' }, // 10 unknown field
      { sha256: createHash('sha256').update(a).digest('hex'), name: 'digest of a', actor_id: 'u' }, // 11 duplicate (digest of item 0)
      item(rawKey(), { ttl: '0s' }), // 12 bad TTL
      item(`nul\u0000${randomBytes(4).toString('hex')}`), // 13 control character
      { sha256: 'not-a-digest', name: 'n', actor_id: 'u' }, // 14 malformed digest
      item(rawKey(), { actor_id: '' }), // 15 empty actor_id
    ];
    const expected: (string | null)[] = [
      null,
      'INVALID_ARGUMENT',
      'ALREADY_EXISTS',
      'ALREADY_EXISTS',
      null,
      'FAILED_PRECONDITION',
      'FAILED_PRECONDITION',
      'RESOURCE_EXHAUSTED',
      'FAILED_PRECONDITION',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      'ALREADY_EXISTS',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
    ];
    const res = await batch(t, p.token, requests);
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    const out = res.json() as BatchBody;
    assert.deepEqual(
      out.results.map((r) => [r.index, r.error_code ?? null]),
      expected.map((code, i) => [i, code === null ? null : E(code)]),
    );
    assert.equal(out.success_count, 2);
    assert.equal(out.failure_count, requests.length - 2);
    for (const r of out.results) {
      if (r.error_code) {
        assert.equal(r.imported_api_key, undefined, `item ${r.index} failed: no key`);
        assert.ok(r.error_message, `item ${r.index} has a message`);
      }
      assert.equal(r.replayed ?? false, false);
    }
    const k0 = out.results[0].imported_api_key as Record<string, any>;
    assert.deepEqual(k0.scopes, ['s']);
    assert.deepEqual(k0.metadata, { i: 0 });
    assert.equal(k0.expire_time, new Date(T0 + 3_600_000).toISOString());
    assert.equal(k0.status, 'KEY_STATUS_ACTIVE');
    // Nothing secret in the response.
    for (const raw of [a, b, c, existingRaw, issuedSecret, jwt]) assert.equal(res.body.includes(raw), false);

    // The two successes verify; the refused ones do not; exactly four keys are active.
    assert.equal((await verify(t, p.token, a)).key_id, k0.key_id);
    assert.equal((await verify(t, p.token, b)).key_id, out.results[4].imported_api_key?.key_id);
    assert.equal((await verify(t, p.token, c)).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal((await verify(t, p.token, jwt)).is_valid, false);
    assert.equal(await usage(t, 'batch-four'), 4);
    assert.equal((await listAll(t, p.token)).length, 3);
  });

  test('every field of an item round-trips through a batch (GET and verify agree with a single import)', async () => {
    const q = await createProject(t, 'batch-fields');
    const fields = {
      name: 'full item',
      actor_id: 'full-actor',
      scopes: ['a:read', 'b:write'],
      metadata: { nested: { list: [1, 'two', null], ok: true }, unicode: 'é🔑' },
      ttl: '36h',
      rate_limit_policy: { quota: '250', window: '1m', unit: 'requests' },
      ip_restriction: { allowed_cidrs: ['10.9.8.7/24', '2001:db8::1', '127.0.0.1'] },
      visibility: 'KEY_VISIBILITY_PUBLIC',
    };
    const rb = rawKey('full');
    const rs = rawKey('full');
    const viaBatch = (await batchOk(t, q.token, [item(rb, { ...fields, request_id: 'full-batch-1' })])).results[0].imported_api_key as Record<string, any>;
    const single = await t.as(q.token, 'POST', BASE, item(rs, { ...fields, request_id: 'full-single-1' }));
    assert.equal(single.statusCode, 201, single.body);
    const viaSingle = single.json();
    const strip = (k: Record<string, any>) => ({ ...k, key_id: undefined });
    assert.deepEqual(strip(viaBatch), strip(viaSingle), 'batch and single import store the same record');
    const got = (await t.as(q.token, 'GET', `${BASE}/${viaBatch.key_id}`)).json();
    assert.deepEqual(got, viaBatch, 'what the batch answered is what was stored');
    assert.deepEqual(got.ip_restriction, { allowed_cidrs: ['10.9.8.0/24', '2001:db8::1/128', '127.0.0.1/32'] });
    assert.equal(got.rate_limit_policy.quota, '250');
    assert.equal(got.visibility, 'KEY_VISIBILITY_PUBLIC');
    assert.equal(got.expire_time, new Date(T0 + 36 * 3_600_000).toISOString());
    const v = await verify(t, q.token, rb);
    assert.equal(v.is_valid, true);
    assert.equal(v.key_id, viaBatch.key_id);
    assert.equal(v.actor_id, 'full-actor');
    assert.deepEqual(v.metadata, fields.metadata);
    assert.equal(v.visibility, 'KEY_VISIBILITY_PUBLIC');
    assert.equal(v.rate_limit_policy.quota, '250');
    // The request_id was stored: a replay finds it.
    const replay = await batchOk(t, q.token, [item(rawKey(), { request_id: 'full-batch-1' })]);
    assert.equal(replay.results[0].replayed, true);
    assert.equal(replay.results[0].imported_api_key?.key_id, viaBatch.key_id);
  });

  test('1001 items, an empty list, no list or a non-list → 400 INVALID_ARGUMENT; nothing created', async () => {
    const q = await createProject(t, 'batch-limits');
    const many = Array.from({ length: 1001 }, () => item(rawKey()));
    for (const [what, body] of [
      ['1001 items', { requests: many }],
      ['empty', { requests: [] }],
      ['missing', {}],
      ['not a list', { requests: item(rawKey()) }],
      ['unknown top-level field', { requests: [item(rawKey())], validate_only: true }],
    ] as const) {
      const res = await t.as(q.token, 'POST', BATCH, body);
      expectError(res, 400, 'INVALID_ARGUMENT', what);
    }
    assert.equal((await listAll(t, q.token)).length, 0);
    assert.equal(await usage(t, 'batch-limits'), 0);
  });

  test('every item failing → the dominant error as a non-200', async () => {
    const q = await createProject(t, 'batch-fail');
    const have = [rawKey(), rawKey()];
    await batchOk(
      t,
      q.token,
      have.map((r) => item(r)),
    );
    const n = (await listAll(t, q.token)).length;

    const dups = expectError(await batch(t, q.token, [item(have[0]), item(have[1]), item(have[0])]), 409, 'API_KEY_EXISTS', 'all duplicates');
    assert.equal(dups.status, 'ALREADY_EXISTS');
    expectError(
      await batch(t, q.token, [item(have[1]), item(have[1], { name: 'again in the batch' })]),
      409,
      'API_KEY_EXISTS',
      'duplicates (existing + in batch)',
    );
    expectError(await batch(t, q.token, [{ raw_key: rawKey() }, { name: 'x' }, 'str', null]), 400, 'INVALID_ARGUMENT', 'all invalid');
    expectError(
      await batch(t, q.token, [item('eyJa.eyJb.c2ln'), item(`mc_v1_${randomBytes(8).toString('hex')}`)]),
      409,
      'FAILED_PRECONDITION',
      'all derived-token shaped',
    );
    // Mixed failures: the most frequent code wins.
    expectError(await batch(t, q.token, [item(have[0]), item(have[1]), { name: 'invalid' }]), 409, 'API_KEY_EXISTS', 'dominant: duplicates');
    expectError(await batch(t, q.token, [item(have[0]), { name: 'i1' }, { name: 'i2' }]), 400, 'INVALID_ARGUMENT', 'dominant: invalid');
    assert.equal((await listAll(t, q.token)).length, n, 'failed batches create nothing');

    // All over quota → 402 with limit and current_usage.
    const full = await createProject(t, 'batch-full', { plan: 'four' });
    await batchOk(t, full.token, [item(rawKey()), item(rawKey()), item(rawKey()), item(rawKey())]);
    assert.equal(await usage(t, 'batch-full'), 4);
    const e = expectError(await batch(t, full.token, [item(rawKey()), item(rawKey())]), 402, 'API_KEY_QUOTA_EXCEEDED', 'all over quota');
    assert.equal(e.status, 'RESOURCE_EXHAUSTED');
    assert.deepEqual(e.details[0].metadata, { limit: '4', current_usage: '4' });
    assert.equal(await usage(t, 'batch-full'), 4);
    // Over the quota by part of a batch: the front of the batch gets the slots.
    const part = await createProject(t, 'batch-part', { plan: 'four' });
    const res = await batchOk(
      t,
      part.token,
      Array.from({ length: 6 }, () => item(rawKey())),
    );
    assert.deepEqual(
      res.results.map((r) => r.error_code ?? 'ok'),
      ['ok', 'ok', 'ok', 'ok', E('RESOURCE_EXHAUSTED'), E('RESOURCE_EXHAUSTED')],
    );
    assert.equal(await usage(t, 'batch-part'), 4);
  });

  test('request_id replays are successes with "replayed": true and the original key; nothing new', async () => {
    const q = await createProject(t, 'batch-idem', { plan: 'four' });
    const r1 = rawKey();
    const r2 = rawKey();
    const first = await batchOk(t, q.token, [item(r1, { request_id: 'b-req-1' }), item(r2, { request_id: 'b-req-2' })]);
    assert.equal(first.success_count, 2);
    assert.ok(first.results.every((r) => r.replayed === false));
    const single = await t.as(q.token, 'POST', BASE, item(rawKey(), { request_id: 'single-req' }));
    assert.equal(single.statusCode, 201);

    const r4 = rawKey();
    const again = await batchOk(t, q.token, [
      item(r1, { request_id: 'b-req-1' }), // same key, same request id
      item(rawKey(), { request_id: 'b-req-2', name: 'other key, same request id' }),
      item(rawKey(), { request_id: 'single-req' }), // request id of a single import
      item(r4, { request_id: 'b-req-4' }), // new
    ]);
    assert.equal(again.success_count, 4);
    assert.deepEqual(
      again.results.map((r) => r.replayed),
      [true, true, true, false],
    );
    assert.equal(again.results[0].imported_api_key?.key_id, first.results[0].imported_api_key?.key_id);
    assert.equal(again.results[1].imported_api_key?.key_id, first.results[1].imported_api_key?.key_id);
    assert.equal(again.results[2].imported_api_key?.key_id, single.json().key_id);
    assert.equal(await usage(t, 'batch-idem'), 4);

    // At the quota limit, a batch of replays only is still a 200 (nothing to reserve).
    const replayOnly = await batchOk(t, q.token, [item(r1, { request_id: 'b-req-1' }), item(r4, { request_id: 'b-req-4' })]);
    assert.deepEqual(
      replayOnly.results.map((r) => r.replayed),
      [true, true],
    );
    // Two items of one batch with one request id: the second is a duplicate.
    const z = await createProject(t, 'batch-idem-2');
    const twice = await batchOk(t, z.token, [item(rawKey(), { request_id: 'dup-req' }), item(rawKey(), { request_id: 'dup-req' })]);
    assert.deepEqual(
      twice.results.map((r) => r.error_code ?? 'ok'),
      ['ok', E('ALREADY_EXISTS')],
    );
    assert.equal((await listAll(t, q.token)).length, 4);
  });
  test('a batch sent again is answered from the store first: its replays are never tried as inserts; new items still go in', async () => {
    const q = await createProject(t, 'batch-resent');
    const raws = Array.from({ length: 6 }, () => rawKey());
    const items = raws.map((r, i) => item(r, { request_id: `resent-${i}` }));
    const first = await batchOk(t, q.token, items.slice(0, 4));
    assert.equal(first.success_count, 4);
    const original = SqlKeyStore.prototype.insertMany;
    const tried: number[] = [];
    SqlKeyStore.prototype.insertMany = function (this: SqlKeyStore, ...args: Parameters<SqlKeyStore['insertMany']>) {
      tried.push(args[0].length);
      return original.apply(this, args);
    };
    try {
      // The whole batch again (a resumed import): every item a replay, nothing tried.
      const again = await batchOk(t, q.token, items.slice(0, 4));
      assert.deepEqual(
        again.results.map((r) => r.replayed),
        [true, true, true, true],
      );
      assert.deepEqual(
        again.results.map((r) => r.imported_api_key?.key_id),
        first.results.map((r) => r.imported_api_key?.key_id),
      );
      assert.deepEqual(tried, [], 'no insert was tried');
      // Sent again with two new items at the end: only those are tried.
      const grown = await batchOk(t, q.token, [...items.slice(0, 4), item(raws[0], { request_id: 'resent-other' }), items[4]]);
      assert.deepEqual(
        grown.results.map((r) => r.error_code ?? (r.replayed ? 'replayed' : 'ok')),
        ['replayed', 'replayed', 'replayed', 'replayed', E('ALREADY_EXISTS'), 'ok'],
      );
      assert.deepEqual(tried, [1]);
      // A new item first: the batch is not taken for a re-send, and its replay is still told apart after the insert.
      const mixed = await batchOk(t, q.token, [items[5], items[1]]);
      assert.deepEqual(
        mixed.results.map((r) => r.replayed),
        [false, true],
      );
      assert.equal(mixed.results[1].imported_api_key?.key_id, first.results[1].imported_api_key?.key_id);
      assert.deepEqual(tried, [1, 2]);
    } finally {
      SqlKeyStore.prototype.insertMany = original;
    }
    assert.equal(await usage(t, 'batch-resent'), 6);
    for (const [i, raw] of raws.entries()) assert.ok((await verify(t, q.token, raw)).is_valid, `key ${i}`);
  });

  test('items that are not inserted are told apart: legacy digest, replay over a digest, duplicate over quota', async () => {
    const q = await createProject(t, 'batch-resolve', { plan: 'four' });
    const d = rawKey('digest');
    // Imported earlier as a plain SHA-256 digest, with a request id.
    const viaDigest = await t.as(q.token, 'POST', BASE, {
      sha256: createHash('sha256').update(d).digest('hex'),
      name: 'd',
      actor_id: 'u',
      request_id: 'digest-req',
    });
    assert.equal(viaDigest.statusCode, 201, viaDigest.body);
    const kept = rawKey('kept');
    assert.equal((await t.as(q.token, 'POST', BASE, item(kept))).statusCode, 201);
    const fresh = [rawKey(), rawKey(), rawKey()];
    const res = await batchOk(t, q.token, [
      item(d), // 0 its digest is stored: ALREADY_EXISTS
      item(fresh[0]), // 1 ok (3 of 4)
      item(d, { request_id: 'digest-req', name: 'replay' }), // 2 duplicate of item 0 within the batch
      item(fresh[1]), // 3 ok (4 of 4)
      item(kept), // 4 over quota, but a duplicate first: ALREADY_EXISTS
      item(fresh[2]), // 5 over quota
    ]);
    assert.deepEqual(
      res.results.map((r) => r.error_code ?? (r.replayed ? 'replayed' : 'ok')),
      [E('ALREADY_EXISTS'), 'ok', E('ALREADY_EXISTS'), 'ok', E('ALREADY_EXISTS'), E('RESOURCE_EXHAUSTED')],
    );
    // A replay of the digest import's request id, with the raw key whose digest it stored: the replay wins.
    const replay = await batchOk(t, q.token, [item(d, { request_id: 'digest-req' })]);
    assert.equal(replay.results[0].replayed, true);
    assert.equal(replay.results[0].imported_api_key?.key_id, viaDigest.json().key_id);
    assert.equal(await usage(t, 'batch-resolve'), 4);
    assert.equal((await verify(t, q.token, fresh[2])).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
  });

  test('legacy digests are probed only in a project that may hold one; a digest imported in a batch marks it', async () => {
    const q = await createProject(t, 'batch-marker');
    const original = SqlKeyStore.prototype.findExisting;
    let probes = 0;
    SqlKeyStore.prototype.findExisting = function (this: SqlKeyStore, ...args: Parameters<SqlKeyStore['findExisting']>) {
      probes++;
      return original.apply(this, args);
    };
    try {
      const first = await batchOk(t, q.token, [item(rawKey()), item(rawKey())]);
      assert.equal(first.success_count, 2);
      assert.equal(probes, 0, 'no digest was ever imported here: the unique indexes are the only check');
      // A digest imported through a batch, then its raw key in the next batch: found, not imported twice.
      const d = rawKey('digest');
      const viaDigest = await batchOk(t, q.token, [{ sha256: createHash('sha256').update(d).digest('base64'), name: 'd', actor_id: 'u' }]);
      assert.equal(viaDigest.success_count, 1);
      probes = 0;
      const again = await batchOk(t, q.token, [item(d), item(rawKey())]);
      assert.deepEqual(
        again.results.map((r) => r.error_code ?? 'ok'),
        [E('ALREADY_EXISTS'), 'ok'],
      );
      assert.ok(probes >= 1, 'the digests were probed');
      assert.equal((await verify(t, q.token, d)).key_id, viaDigest.results[0].imported_api_key?.key_id);
    } finally {
      SqlKeyStore.prototype.findExisting = original;
    }
  });

  test('an item whose conflict is gone by the time it is looked up is imported on its own', async () => {
    const q = await createProject(t, 'batch-vanish');
    const raws = [rawKey(), rawKey(), rawKey()];
    // A concurrent writer holds raws[1]'s hash while the batch inserts, and deletes it right after.
    const original = SqlKeyStore.prototype.insertMany;
    let blocker: { keyId: string } | undefined;
    SqlKeyStore.prototype.insertMany = async function (this: SqlKeyStore, ...args: Parameters<SqlKeyStore['insertMany']>) {
      const [records] = args;
      if (!blocker && records.length === 3) {
        blocker = { ...records[1], keyId: '00000000-0000-4000-8000-00000000b10c' };
        await this.insert({ ...records[1], keyId: blocker.keyId, requestId: null }, null);
        const outcomes = await original.apply(this, args);
        assert.equal(await this.delete('imported', blocker.keyId), true);
        return outcomes;
      }
      return original.apply(this, args);
    };
    let res: BatchBody;
    try {
      res = await batchOk(
        t,
        q.token,
        raws.map((r) => item(r)),
      );
    } finally {
      SqlKeyStore.prototype.insertMany = original;
    }
    assert.ok(blocker, 'the conflicting writer ran');
    assert.equal(res.success_count, 3);
    for (const [i, raw] of raws.entries()) assert.equal((await verify(t, q.token, raw)).key_id, res.results[i].imported_api_key?.key_id);
    assert.notEqual(res.results[1].imported_api_key?.key_id, blocker.keyId);
    assert.equal(await usage(t, 'batch-vanish'), 3);
  });
});

describe('batch import: scale and concurrency', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ clock: new FrozenClock(T0), env: PLANS_ENV });
  });
  after(() => t.close());

  test('a 1000-item batch succeeds; spot-checked keys verify; the quota counter is exact', async () => {
    const p = await createProject(t, 'bulk', { plan: 'k1000' });
    const raws = Array.from({ length: 1000 }, (_, i) => rawKey(`bulk${i}`));
    const started = Date.now();
    const body = await batchOk(
      t,
      p.token,
      raws.map((r, i) => item(r, { name: `bulk ${i}`, actor_id: `actor-${i % 7}`, metadata: { i } })),
    );
    const elapsed = Date.now() - started;
    assert.equal(body.success_count, 1000);
    assert.equal(body.failure_count, 0);
    assert.equal(new Set(body.results.map((r) => r.imported_api_key?.key_id)).size, 1000, 'distinct key ids');
    assert.equal(await usage(t, 'bulk'), 1000);
    assert.equal((await listAll(t, p.token)).length, 1000);
    assert.equal((await listAll(t, p.token, 'actor_id="actor-3"')).length, raws.filter((_, i) => i % 7 === 3).length);
    const picks = [0, 1, 499, 500, 998, 999, ...Array.from({ length: 14 }, () => Math.floor(Math.random() * 1000))];
    for (const i of picks) {
      const v = await verify(t, p.token, raws[i]);
      assert.equal(v.is_valid, true, `key ${i}`);
      assert.equal(v.key_id, body.results[i].imported_api_key?.key_id, `key ${i}`);
      assert.deepEqual(v.metadata, { i });
    }
    // Exactly full: one more is refused, singly and in a batch.
    expectError(await t.as(p.token, 'POST', BASE, item(rawKey())), 402, 'API_KEY_QUOTA_EXCEEDED', '1001st single');
    const e = expectError(await batch(t, p.token, [item(rawKey())]), 402, 'API_KEY_QUOTA_EXCEEDED', '1001st batch');
    assert.deepEqual(e.details[0].metadata, { limit: '1000', current_usage: '1000' });
    // The same 1000 again: all duplicates → 409, in one request.
    expectError(
      await batch(
        t,
        p.token,
        raws.map((r) => item(r)),
      ),
      409,
      'API_KEY_EXISTS',
      'the same 1000 again',
    );
    assert.ok(elapsed < 15_000, `1000-item batch took ${elapsed} ms`);
  });

  test('5 concurrent 100-item batches with overlapping keys: each raw key exists once; usage = distinct keys', async () => {
    const p = await createProject(t, 'race');
    const shared = Array.from({ length: 40 }, () => rawKey('shared'));
    const own = Array.from({ length: 5 }, () => Array.from({ length: 60 }, () => rawKey('own')));
    // Every batch has the 40 shared keys (rotated, so the batches collide in different orders) and 60 of its own.
    const batches = own.map((mine, b) => {
      const rotated = [...shared.slice(b * 8), ...shared.slice(0, b * 8)];
      return [...rotated.slice(0, 20), ...mine, ...rotated.slice(20)];
    });

    // Hold every batch at the insert until all five have made it, so all five send the shared keys
    // to the insert together and four of them find them taken there (conflicts).
    const originalInsertMany = SqlKeyStore.prototype.insertMany;
    let arrived = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const outcomes: string[] = [];
    SqlKeyStore.prototype.insertMany = async function (this: SqlKeyStore, ...args: Parameters<SqlKeyStore['insertMany']>) {
      if (args[0].length === 100 && arrived < 5) {
        arrived++;
        if (arrived === 5) release();
        await Promise.race([gate, new Promise((r) => setTimeout(r, 3000))]);
      }
      try {
        const result = await originalInsertMany.apply(this, args);
        outcomes.push(...result);
        return result;
      } catch (e) {
        outcomes.push(`error:${(e as Error).message}`);
        throw e;
      }
    };
    let responses: LightMyRequestResponse[];
    try {
      responses = await Promise.all(
        batches.map((reqs) =>
          batch(
            t,
            p.token,
            reqs.map((r) => item(r)),
          ),
        ),
      );
    } finally {
      SqlKeyStore.prototype.insertMany = originalInsertMany;
    }
    assert.equal(arrived, 5, 'all five batches reached the insert');
    // Each shared key went in once; the other four batches met it as a conflict, not an error.
    assert.equal(outcomes.filter((o) => o === 'conflict').length, 4 * 40, `conflicts in the insert: ${outcomes.join(', ')}`);
    assert.equal(outcomes.filter((o) => o === 'inserted').length, 40 + 5 * 60);
    assert.deepEqual(
      outcomes.filter((o) => o.startsWith('error')),
      [],
    );

    const winner = new Map<string, string>();
    for (const [b, res] of responses.entries()) {
      assert.equal(res.statusCode, 200, res.body.slice(0, 500));
      const body = res.json() as BatchBody;
      assert.equal(body.results.length, 100);
      for (const r of body.results) {
        const raw = batches[b][r.index];
        if (r.imported_api_key) {
          assert.equal(winner.has(raw), false, 'a raw key imported twice');
          winner.set(raw, r.imported_api_key.key_id);
        } else assert.equal(r.error_code, E('ALREADY_EXISTS'), `${r.error_code}: ${r.error_message}`);
      }
      for (const r of body.results.slice(20, 80)) assert.ok(r.imported_api_key, 'own keys always succeed');
    }
    const distinct = 40 + 5 * 60;
    assert.equal(winner.size, distinct);
    const listed = await listAll(t, p.token);
    assert.equal(listed.length, distinct, 'no duplicate rows');
    assert.deepEqual(new Set(listed.map((k) => k.key_id)), new Set(winner.values()));
    assert.equal(await usage(t, 'race'), distinct, 'usage.active_keys = distinct keys');
    for (const raw of [...shared.slice(0, 10), own[0][0], own[4][59]]) assert.equal((await verify(t, p.token, raw)).key_id, winner.get(raw));
  });

  test('concurrent batches against a quota: exactly the free slots are filled', async () => {
    const p = await createProject(t, 'race-quota', { plan: 'p200' });
    const batches = Array.from({ length: 5 }, () => Array.from({ length: 60 }, () => rawKey('rq')));
    const responses = await Promise.all(
      batches.map((reqs) =>
        batch(
          t,
          p.token,
          reqs.map((r) => item(r)),
        ),
      ),
    );
    let ok = 0;
    let exhausted = 0;
    for (const res of responses) {
      if (res.statusCode === 402) {
        expectError(res, 402, 'API_KEY_QUOTA_EXCEEDED', 'a batch entirely over quota');
        exhausted += 60;
        continue;
      }
      assert.equal(res.statusCode, 200, res.body.slice(0, 300));
      for (const r of (res.json() as BatchBody).results) {
        if (r.imported_api_key) ok++;
        else {
          assert.equal(r.error_code, E('RESOURCE_EXHAUSTED'));
          exhausted++;
        }
      }
    }
    assert.equal(ok, 200);
    assert.equal(exhausted, 100);
    assert.equal(await usage(t, 'race-quota'), 200);
    assert.equal((await listAll(t, p.token)).length, 200);
  });

  test('no raw key in the log or in the audit events; the batch import is audited with its key ids', async () => {
    const text = t.logs.text();
    assert.ok(text.length > 0);
    const audit = await t.op('GET', `${P}/race/auditEvents?page_size=1000`);
    assert.equal(audit.statusCode, 200, audit.body);
    const events = audit.json().audit_events as { action: string; details: Record<string, any> }[];
    const batches = events.filter((e) => e.action === 'key.batch_import');
    assert.equal(batches.length, 5);
    assert.equal(
      batches.reduce((n, e) => n + e.details.imported, 0),
      340,
    );
    assert.equal(new Set(batches.flatMap((e) => e.details.key_ids)).size, 340);
    const auditText = JSON.stringify(events);
    for (const slug of ['bulk', 'race-quota']) {
      const res = await t.op('GET', `${P}/${slug}/auditEvents?page_size=1000`);
      assert.equal(res.statusCode, 200);
      for (const raw of usedRawKeys) assert.equal(res.body.includes(raw), false, `raw key in ${slug} audit`);
    }
    for (const raw of usedRawKeys) {
      assert.equal(text.includes(raw), false, `raw key ${raw.slice(0, 12)}… in the log`);
      assert.equal(auditText.includes(raw), false, 'raw key in the audit events');
    }
  });
});

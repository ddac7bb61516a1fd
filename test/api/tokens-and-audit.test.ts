import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type Clock, FrozenClock } from '../../src/shared/clock.js';
import { createProject, createToken, expectError, type OperatorProject } from '../helpers/operator.js';
import { createTestApp, reasonOf, type TestApp } from '../helpers/test-app.js';

// Project API tokens (ks_pat_…) and their permissions, and the audit log of the operator API
// (docs/operator-api.md): who did what to which key, with which request id, newest first.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const P = '/operator/v1/projects';
const ISSUE = '/v2alpha1/admin/issuedApiKeys';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const REVOKE_BODY = { reason: 'REVOCATION_REASON_KEY_COMPROMISE' };

/** Strictly increasing time (1 ms per reading): every event has its own millisecond, so order is defined. */
class TickingClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms++;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

interface AuditEventView {
  id: string;
  time: string;
  action: string;
  actor: string;
  key_id?: string;
  reason?: string;
  request_id?: string;
  details: Record<string, any>;
}

async function auditOf(t: TestApp, project: string, query = ''): Promise<AuditEventView[]> {
  const res = await t.op('GET', `${P}/${project}/auditEvents?page_size=1000${query ? `&${query}` : ''}`);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().next_page_token, '');
  return res.json().audit_events;
}

async function issueWith(t: TestApp, token: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await t.as(token, 'POST', ISSUE, body, headers);
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { issued_api_key: Record<string, any>; secret: string };
}

describe('project API tokens', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  let proj: OperatorProject;
  before(async () => {
    t = await createTestApp({ clock });
    proj = await createProject(t, 'tok');
  });
  after(() => t.close());

  test('create returns the ks_pat_ secret once; the list never shows a secret or a hash', async () => {
    const res = await t.op('POST', `${P}/tok/tokens`, { name: 'gateway', permissions: ['verify', 'verify'] });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.match(body.secret, /^ks_pat_[1-9A-HJ-NP-Za-km-z]{30,}$/);
    assert.deepEqual(Object.keys(body).sort(), ['secret', 'token']);
    assert.deepEqual(body.token.permissions, ['verify'], 'de-duplicated');
    assert.equal(body.token.name, 'gateway');
    assert.equal(body.token.create_time, new Date(T0).toISOString());
    assert.equal(body.token.expire_time, null);
    assert.equal(body.token.revoke_time, null);
    assert.equal(JSON.stringify(body.token).includes(body.secret), false);

    const list = await t.op('GET', `${P}/tok/tokens`);
    assert.equal(list.statusCode, 200);
    const tokens = list.json().tokens as Record<string, unknown>[];
    assert.ok(tokens.some((x) => x.id === body.token.id));
    for (const tok of tokens) assert.deepEqual(Object.keys(tok).sort(), ['create_time', 'expire_time', 'id', 'name', 'permissions', 'revoke_time']);
    const hash = createHash('sha256').update(body.secret).digest('hex');
    for (const needle of [body.secret, body.secret.slice(7), hash, proj.token, createHash('sha256').update(proj.token).digest('hex'), 'ks_pat_']) {
      assert.equal(list.body.includes(needle), false, `list must not contain ${needle.slice(0, 12)}…`);
    }
    // Two tokens never share a secret.
    const again = (await t.op('POST', `${P}/tok/tokens`, { name: 'gateway', permissions: ['verify'] })).json();
    assert.notEqual(again.secret, body.secret);
    // The token works at once, for its own project.
    assert.equal((await t.as(body.secret, 'POST', VERIFY, { credential: 'x' })).statusCode, 200);
  });

  test('permissions matrix: admin = everything, read = list/get, verify = verify; refused calls change nothing', async () => {
    type Op = 'issue' | 'list' | 'get' | 'update' | 'rotate' | 'revoke' | 'revokeAlias' | 'verify';
    const MATRIX: Record<string, Record<Op, boolean>> = {
      admin: { issue: true, list: true, get: true, update: true, rotate: true, revoke: true, revokeAlias: true, verify: true },
      read: { issue: false, list: true, get: true, update: false, rotate: false, revoke: false, revokeAlias: false, verify: false },
      verify: { issue: false, list: false, get: false, update: false, rotate: false, revoke: false, revokeAlias: false, verify: true },
      'read+verify': { issue: false, list: true, get: true, update: false, rotate: false, revoke: false, revokeAlias: false, verify: true },
    };
    const success: Record<Op, number> = { issue: 201, list: 200, get: 200, update: 200, rotate: 201, revoke: 204, revokeAlias: 204, verify: 200 };
    const failures: string[] = [];
    for (const [label, expected] of Object.entries(MATRIX)) {
      const { secret } = await createToken(t, 'tok', label.split('+'));
      for (const op of Object.keys(expected) as Op[]) {
        const target = await issueWith(t, proj.token, { name: 'target' });
        const id = target.issued_api_key.key_id;
        const call: Record<Op, () => Promise<LightMyRequestResponse>> = {
          issue: () => t.as(secret, 'POST', ISSUE, { name: 'by-matrix' }),
          list: () => t.as(secret, 'GET', ISSUE),
          get: () => t.as(secret, 'GET', `${ISSUE}/${id}`),
          update: () => t.as(secret, 'PATCH', `${ISSUE}/${id}`, { name: 'renamed' }),
          rotate: () => t.as(secret, 'POST', `${ISSUE}/${id}:rotate`, {}),
          revoke: () => t.as(secret, 'POST', `${ISSUE}/${id}:revoke`, REVOKE_BODY),
          revokeAlias: () => t.as(secret, 'POST', `/v2alpha1/admin/apiKeys/${id}:revoke`, REVOKE_BODY),
          verify: () => t.as(secret, 'POST', VERIFY, { credential: target.secret }),
        };
        const res = await call[op]();
        const want = expected[op] ? `${success[op]}` : '403 PERMISSION_DENIED';
        const got = res.statusCode === 403 ? `403 ${reasonOf(res)}` : `${res.statusCode}`;
        if (got !== want) failures.push(`${label} ${op}: expected ${want}, got ${got} ${res.body.slice(0, 120)}`);
        if (!expected[op]) {
          try {
            expectError(res, 403, 'PERMISSION_DENIED', `${label} ${op}`);
          } catch (e) {
            failures.push((e as Error).message.split('\n')[0]);
          }
          const after_ = (await t.as(proj.token, 'GET', `${ISSUE}/${id}`)).json();
          if (after_.status !== 'KEY_STATUS_ACTIVE' || after_.name !== 'target') failures.push(`${label} ${op}: refused call changed the key`);
        }
        if (op === 'verify' && expected.verify && res.json().is_valid !== true) failures.push(`${label} verify: not valid`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test('revoking a token makes its very next request 401; unknown → 404 TOKEN_NOT_FOUND; twice → 409', async () => {
    const { secret, id } = await createToken(t, 'tok', ['admin']);
    assert.equal((await t.as(secret, 'GET', ISSUE)).statusCode, 200, 'works (and is now cached)');
    const rv = await t.op('POST', `${P}/tok/tokens/${id}:revoke`);
    assert.equal(rv.statusCode, 204);
    assert.equal(rv.body, '');
    expectError(await t.as(secret, 'GET', ISSUE), 401, 'UNAUTHENTICATED', 'next request');
    expectError(await t.as(secret, 'POST', VERIFY, { credential: 'x' }), 401, 'UNAUTHENTICATED', 'verify');
    const listed = (await t.op('GET', `${P}/tok/tokens`)).json().tokens.find((x: { id: string }) => x.id === id);
    assert.equal(listed.revoke_time, new Date(clock.now()).toISOString());
    expectError(await t.op('POST', `${P}/tok/tokens/${id}:revoke`), 409, 'FAILED_PRECONDITION', 'second revoke');
    expectError(await t.op('POST', `${P}/tok/tokens/00000000-0000-4000-8000-000000000000:revoke`), 404, 'TOKEN_NOT_FOUND', 'unknown');
    // A token of another project cannot be revoked through this project.
    const other = await createProject(t, 'tok-other');
    expectError(await t.op('POST', `${P}/tok/tokens/${other.tokenId}:revoke`), 404, 'TOKEN_NOT_FOUND', 'foreign token id');
    assert.equal((await t.as(other.token, 'GET', ISSUE)).statusCode, 200, 'the other project token still works');
    // Other tokens of the same project are unaffected.
    assert.equal((await t.as(proj.token, 'GET', ISSUE)).statusCode, 200);
  });

  test('an expired token (ttl "1s", clock advanced) → 401', async () => {
    const res = await t.op('POST', `${P}/tok/tokens`, { name: 'short', permissions: ['admin'], ttl: '1s' });
    assert.equal(res.statusCode, 201, res.body);
    const { secret, token } = res.json();
    assert.equal(token.expire_time, new Date(clock.now() + 1000).toISOString());
    assert.equal((await t.as(secret, 'GET', ISSUE)).statusCode, 200, 'valid before expiry (and cached)');
    clock.advance(999);
    assert.equal((await t.as(secret, 'GET', ISSUE)).statusCode, 200, '1 ms before expiry');
    clock.advance(1);
    expectError(await t.as(secret, 'GET', ISSUE), 401, 'UNAUTHENTICATED', 'at expiry');
    clock.advance(60_000);
    expectError(await t.as(secret, 'POST', VERIFY, { credential: 'x' }), 401, 'UNAUTHENTICATED', 'later');
    expectError(await t.op('POST', `${P}/tok/tokens`, { name: 'bad', permissions: ['admin'], ttl: '0s' }), 400, 'INVALID_ARGUMENT');
  });

  test('a token only ever acts on its own project', async () => {
    const other = await createProject(t, 'tok-iso');
    const mine = await issueWith(t, proj.token, { name: 'mine' });
    expectError(await t.as(other.token, 'GET', `${ISSUE}/${mine.issued_api_key.key_id}`), 404, 'API_KEY_NOT_FOUND');
    const v = (await t.as(other.token, 'POST', VERIFY, { credential: mine.secret })).json();
    assert.equal(v.is_valid, false);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_NOT_FOUND');
  });
});

describe('audit log', () => {
  let t: TestApp;
  const clock = new TickingClock(T0);
  let a: OperatorProject;
  let b: OperatorProject;
  const secrets: string[] = [];
  let k1 = '';
  let k2 = '';

  before(async () => {
    t = await createTestApp({ clock });
    a = await createProject(t, 'audit-a');
    b = await createProject(t, 'audit-b');
    secrets.push(a.token, b.token);
    // Key lifecycle with a project token, each call with its own X-Request-ID.
    const issued = await issueWith(t, a.token, { name: 'k1' }, { 'x-request-id': 'req-issue-1' });
    k1 = issued.issued_api_key.key_id;
    secrets.push(issued.secret);
    assert.equal((await t.as(a.token, 'PATCH', `${ISSUE}/${k1}`, { name: 'k1-renamed' }, { 'x-request-id': 'req-update-1' })).statusCode, 200);
    const rot = await t.as(a.token, 'POST', `${ISSUE}/${k1}:rotate`, {}, { 'x-request-id': 'req-rotate-1' });
    assert.equal(rot.statusCode, 201);
    k2 = rot.json().issued_api_key.key_id;
    secrets.push(rot.json().secret);
    assert.equal((await t.as(a.token, 'POST', `${ISSUE}/${k2}:revoke`, REVOKE_BODY, { 'x-request-id': 'req-revoke-2' })).statusCode, 204);
    // Operator mutations.
    assert.equal((await t.op('PATCH', `${P}/audit-a/config`, { api_keys: { default_ttl: '30d' } }, { 'x-request-id': 'req-config-1' })).statusCode, 200);
    assert.equal((await t.op('POST', `${P}/audit-a/hmacSecrets:rotate`, { retired_ttl: '1h' })).statusCode, 200);
    assert.equal((await t.op('POST', `${P}/audit-a/signingKeys:rotate`, { mode: 'graceful' })).statusCode, 200);
    const extra = await createToken(t, 'audit-a', ['read']);
    secrets.push(extra.secret);
    assert.equal((await t.op('POST', `${P}/audit-a/tokens/${extra.id}:revoke`)).statusCode, 204);
  });
  after(() => t.close());

  test('mutations are listed newest first, with actor, key_id and the caller’s X-Request-ID', async () => {
    const events = await auditOf(t, 'audit-a');
    const actions = events.map((e) => e.action);
    assert.deepEqual(actions, [
      'token.revoke',
      'token.create',
      'project.signing_key.rotate',
      'project.hmac_secret.rotate',
      'project.config.update',
      'key.revoke',
      'key.rotate',
      'key.update',
      'key.issue',
      'token.create',
      'project.enable_api_keys',
      'project.create',
    ]);
    const times = events.map((e) => Date.parse(e.time));
    assert.deepEqual(
      times,
      [...times].sort((x, y) => y - x),
      'newest first',
    );
    const by = (action: string) => events.find((e) => e.action === action) as AuditEventView;
    const tokenActor = `token:${a.tokenId}`;
    assert.equal(by('key.issue').actor, tokenActor);
    assert.equal(by('key.issue').key_id, k1);
    assert.equal(by('key.issue').request_id, 'req-issue-1');
    assert.equal(by('key.update').key_id, k1);
    assert.equal(by('key.update').request_id, 'req-update-1');
    assert.equal(by('key.update').actor, tokenActor);
    assert.equal(by('key.rotate').key_id, k1);
    assert.equal(by('key.rotate').details.new_key_id, k2);
    assert.equal(by('key.rotate').request_id, 'req-rotate-1');
    assert.equal(by('key.revoke').key_id, k2);
    assert.equal(by('key.revoke').reason, 'REVOCATION_REASON_KEY_COMPROMISE');
    assert.equal(by('key.revoke').request_id, 'req-revoke-2');
    assert.equal(by('key.revoke').actor, tokenActor);
    for (const action of [
      'project.config.update',
      'project.hmac_secret.rotate',
      'project.signing_key.rotate',
      'token.revoke',
      'project.create',
      'project.enable_api_keys',
    ]) {
      assert.equal(by(action).actor, 'operator', action);
      assert.ok(by(action).request_id, `${action}: request id recorded`);
    }
    assert.equal(by('project.config.update').request_id, 'req-config-1');
    assert.ok(
      events.every((e) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(e.id)),
      'UUIDv7 ids',
    );
    // Reads are not audited; project B's events are not in A's log.
    assert.ok(!events.some((e) => /get|list/.test(e.action)));
    assert.ok(!events.some((e) => e.actor === `token:${b.tokenId}`));
  });

  test('filters: action, key_id and actor', async () => {
    const revokes = await auditOf(t, 'audit-a', 'action=key.revoke');
    assert.deepEqual(
      revokes.map((e) => e.key_id),
      [k2],
    );
    const ofK1 = await auditOf(t, 'audit-a', `key_id=${k1}`);
    assert.deepEqual(
      ofK1.map((e) => e.action),
      ['key.rotate', 'key.update', 'key.issue'],
    );
    const byToken = await auditOf(t, 'audit-a', `actor=${encodeURIComponent(`token:${a.tokenId}`)}`);
    assert.deepEqual(
      byToken.map((e) => e.action),
      ['key.revoke', 'key.rotate', 'key.update', 'key.issue'],
    );
    const byOperator = await auditOf(t, 'audit-a', 'actor=operator');
    assert.ok(byOperator.length >= 7);
    assert.ok(byOperator.every((e) => e.actor === 'operator'));
    const combined = await auditOf(t, 'audit-a', `actor=operator&action=token.create`);
    assert.equal(combined.length, 2);
    assert.deepEqual(await auditOf(t, 'audit-a', 'action=key.delete'), []);
    assert.deepEqual(await auditOf(t, 'audit-a', `key_id=${k1}&action=key.revoke`), []);
    // B's log has its own events only.
    const bEvents = await auditOf(t, 'audit-b');
    assert.deepEqual(
      bEvents.map((e) => e.action),
      ['token.create', 'project.enable_api_keys', 'project.create'],
    );
  });

  test('keyset pagination (page_size=2) returns every event exactly once; foreign or tampered page tokens → 400', async () => {
    const all = await auditOf(t, 'audit-a');
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    let firstToken = '';
    do {
      const res = await t.op('GET', `${P}/audit-a/auditEvents?page_size=2${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.ok(body.audit_events.length <= 2);
      seen.push(...body.audit_events.map((e: AuditEventView) => e.id));
      token = body.next_page_token;
      if (pages === 0) firstToken = token;
      pages++;
    } while (token && pages < 100);
    assert.deepEqual(
      seen,
      all.map((e) => e.id),
    );
    assert.equal(new Set(seen).size, seen.length);
    assert.equal(pages, Math.ceil(all.length / 2));

    // A page token of project A is refused on project B (also when B is named by id), and with another filter.
    expectError(
      await t.op('GET', `${P}/audit-b/auditEvents?page_size=2&page_token=${encodeURIComponent(firstToken)}`),
      400,
      'INVALID_PAGE_TOKEN',
      'A token on B',
    );
    expectError(await t.op('GET', `${P}/${b.id}/auditEvents?page_token=${encodeURIComponent(firstToken)}`), 400, 'INVALID_PAGE_TOKEN', 'A token on B by id');
    expectError(
      await t.op('GET', `${P}/audit-a/auditEvents?page_size=2&action=key.issue&page_token=${encodeURIComponent(firstToken)}`),
      400,
      'INVALID_PAGE_TOKEN',
      'other filter',
    );
    const flipped = firstToken.slice(0, 15) + (firstToken[15] === 'A' ? 'B' : 'A') + firstToken.slice(16);
    expectError(await t.op('GET', `${P}/audit-a/auditEvents?page_token=${encodeURIComponent(flipped)}`), 400, 'INVALID_PAGE_TOKEN', 'tampered');
    // The same token on A by id (same project) is fine.
    assert.equal((await t.op('GET', `${P}/${a.id}/auditEvents?page_size=2&page_token=${encodeURIComponent(firstToken)}`)).statusCode, 200);
  });

  test('verification failures are aggregated: 50 failures → one key.verification_failed event per reason with count 50', async () => {
    const c = await createProject(t, 'audit-fail');
    await t.app.audit.flushFailures(); // start from empty buckets
    const revoked = await issueWith(t, c.token, {});
    secrets.push(revoked.secret);
    assert.equal((await t.as(c.token, 'POST', `${ISSUE}/${revoked.issued_api_key.key_id}:revoke`, REVOKE_BODY)).statusCode, 204);
    const good = await issueWith(t, c.token, {});
    secrets.push(good.secret);
    const wrongChecksum = `${good.secret.slice(0, -1)}${good.secret.endsWith('z') ? 'y' : 'z'}`;
    for (let i = 0; i < 50; i++) {
      for (const [credential, code] of [
        [wrongChecksum, 'VERIFICATION_ERROR_NOT_FOUND'],
        [revoked.secret, 'VERIFICATION_ERROR_REVOKED'],
      ] as const) {
        const res = await t.as(c.token, 'POST', VERIFY, { credential });
        assert.equal(res.json().error_code, code);
      }
      assert.equal((await t.as(c.token, 'POST', VERIFY, { credential: good.secret })).json().is_valid, true);
    }
    assert.deepEqual(await auditOf(t, 'audit-fail', 'action=key.verification_failed'), [], 'nothing written before the flush');
    await t.app.audit.flushFailures();
    const events = await auditOf(t, 'audit-fail', 'action=key.verification_failed');
    assert.equal(events.length, 2, JSON.stringify(events));
    const byReason = Object.fromEntries(events.map((e) => [e.reason, e]));
    assert.deepEqual(Object.keys(byReason).sort(), ['VERIFICATION_ERROR_NOT_FOUND', 'VERIFICATION_ERROR_REVOKED']);
    for (const e of events) {
      assert.equal(e.details.count, 50, `${e.reason} count`);
      assert.equal(e.actor, 'system');
      assert.ok(Date.parse(e.details.first_time) <= Date.parse(e.details.last_time));
    }
    assert.equal(byReason.VERIFICATION_ERROR_REVOKED.key_id, revoked.issued_api_key.key_id, 'sample key of a proven key');
    assert.equal(byReason.VERIFICATION_ERROR_NOT_FOUND.key_id, undefined, 'no key id for a failed proof (no oracle)');
    // Nothing from project C leaks into A's log; a second flush writes nothing new.
    assert.ok(!(await auditOf(t, 'audit-a')).some((e) => e.action === 'key.verification_failed'));
    await t.app.audit.flushFailures();
    assert.equal((await auditOf(t, 'audit-fail', 'action=key.verification_failed')).length, 2);
  });

  test('the audit log never contains a token secret or a key secret', async () => {
    const text = JSON.stringify([...(await auditOf(t, 'audit-a')), ...(await auditOf(t, 'audit-b')), ...(await auditOf(t, 'audit-fail'))]);
    assert.ok(secrets.length >= 5);
    for (const s of secrets) {
      assert.equal(text.includes(s), false, `secret ${s.slice(0, 10)}… in the audit log`);
      assert.equal(text.includes(createHash('sha256').update(s).digest('hex')), false, 'hash of a secret in the audit log');
    }
    assert.doesNotMatch(text, /ks_pat_|_v1_/);
  });

  test('events recorded within the same millisecond still list newest first', async () => {
    const frozen = new FrozenClock(T0);
    const t2 = await createTestApp({ clock: frozen });
    try {
      const p = await createProject(t2, 'same-ms');
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await issueWith(t2, p.token, { name: `k${i}` })).issued_api_key.key_id);
      const listed = (await auditOf(t2, 'same-ms', 'action=key.issue')).map((e) => e.key_id);
      assert.deepEqual(listed, [...ids].reverse(), 'the last key issued is listed first');
    } finally {
      await t2.close();
    }
  });
});

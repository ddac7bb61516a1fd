import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KeysmithClient, KeysmithError } from '../../packages/sdk/src/index.js';
import { countingFetch, type ListeningApp, startListeningApp } from './listening-app.js';

// The typed admin client against a real Keysmith on a real port: one round trip per method, and the
// AIP-193 error mapping (code, status, reason, metadata, X-Request-ID).

async function rejectsWith(p: Promise<unknown>, code: number, status: string, reason: string, fromKeysmith = true): Promise<KeysmithError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KeysmithError, `expected KeysmithError, got ${e}`);
    assert.deepEqual([e.code, e.status, e.reason], [code, status, reason], e.message);
    if (code > 0 && fromKeysmith) assert.match(e.requestId ?? '', /.+/, 'X-Request-ID is carried');
    return e;
  }
  assert.fail(`expected ${reason}`);
}

describe('sdk KeysmithClient', () => {
  let s: ListeningApp;
  let client: KeysmithClient;
  before(async () => {
    s = await startListeningApp();
    client = new KeysmithClient({ endpoint: `${s.base}/`, token: s.t.token });
  });
  after(() => s.close());

  it('issued keys: issue, get, update with a mask, rotate, revoke', async () => {
    const issued = await client.issuedKeys.issue({
      name: 'sdk',
      actor_id: 'sdk-actor',
      scopes: ['read', 'write'],
      metadata: { team: 'x' },
      ttl: '24h',
      rate_limit_policy: { quota: 100, window: '60s' },
      ip_restriction: { allowed_cidrs: ['10.0.0.0/8'] },
      request_id: 'sdk-req-1',
    });
    assert.match(issued.secret ?? '', /^ks_ak_v1_/);
    const id = issued.issued_api_key.key_id!;
    assert.equal(issued.issued_api_key.status, 'KEY_STATUS_ACTIVE');
    assert.equal(issued.issued_api_key.rate_limit_policy?.quota, '100');
    const replay = await client.issuedKeys.issue({ name: 'sdk', actor_id: 'sdk-actor', request_id: 'sdk-req-1' });
    assert.equal(replay.issued_api_key.key_id, id);
    assert.equal(replay.secret, undefined, 'an idempotent replay has no secret');

    const got = await client.issuedKeys.get(id);
    assert.deepEqual(got.scopes, ['read', 'write']);
    assert.deepEqual(got.ip_restriction, { allowed_cidrs: ['10.0.0.0/8'] });

    const updated = await client.issuedKeys.update(id, { name: 'renamed', scopes: ['read'], metadata: { ignored: true } }, ['name', 'scopes']);
    assert.equal(updated.name, 'renamed');
    assert.deepEqual(updated.scopes, ['read']);
    assert.deepEqual(updated.metadata, { team: 'x' }, 'a field outside the mask is untouched');
    await rejectsWith(client.issuedKeys.update(id, { name: 'x' }, ['actor_id' as 'name']), 400, 'INVALID_ARGUMENT', 'INVALID_UPDATE_MASK');

    const rotated = await client.issuedKeys.rotate(id, { name: 'rotated' });
    assert.notEqual(rotated.issued_api_key.key_id, id);
    assert.equal(rotated.issued_api_key.name, 'rotated');
    assert.deepEqual(rotated.issued_api_key.scopes, ['read'], 'inherits absent fields');
    assert.equal(rotated.old_issued_api_key.status, 'KEY_STATUS_REVOKED');
    assert.equal(rotated.old_issued_api_key.revocation_reason, 'REVOCATION_REASON_SUPERSEDED');
    await rejectsWith(client.issuedKeys.rotate(id), 409, 'FAILED_PRECONDITION', 'FAILED_PRECONDITION');

    const newId = rotated.issued_api_key.key_id!;
    assert.equal(await client.issuedKeys.revoke(newId, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' }), undefined);
    assert.equal((await client.issuedKeys.get(newId)).status, 'KEY_STATUS_REVOKED');
    await rejectsWith(client.issuedKeys.revoke(newId, { reason: 'REVOCATION_REASON_SUPERSEDED' }), 409, 'ALREADY_EXISTS', 'API_KEY_ALREADY_REVOKED');
  });

  it('issued keys: list with filter and page_size, and listAll walks every page', async () => {
    const actor = `pager-${randomBytes(4).toString('hex')}`;
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await client.issuedKeys.issue({ name: `p${i}`, actor_id: actor })).issued_api_key.key_id!);
    const filter = `actor_id="${actor}"`;
    const first = await client.issuedKeys.list({ filter, page_size: 2 });
    assert.equal(first.issued_api_keys.length, 2);
    assert.ok(first.next_page_token.length > 0);
    const second = await client.issuedKeys.list({ filter, page_size: 2, page_token: first.next_page_token });
    assert.equal(second.issued_api_keys.length, 2);
    assert.ok(!second.issued_api_keys.some((k) => first.issued_api_keys.some((f) => f.key_id === k.key_id)), 'pages do not overlap');

    const all: string[] = [];
    for await (const key of client.issuedKeys.listAll({ filter, page_size: 2 })) all.push(key.key_id!);
    assert.equal(all.length, 5);
    assert.deepEqual(new Set(all), ids);

    await rejectsWith(client.issuedKeys.list({ filter: 'name="x" OR 1=1' }), 400, 'INVALID_ARGUMENT', 'INVALID_FILTER');
    await rejectsWith(client.issuedKeys.list({ page_token: 'tampered' }), 400, 'INVALID_ARGUMENT', 'INVALID_PAGE_TOKEN');
  });

  it('imported keys: import, batchImport, get, list/listAll, update, revoke, delete', async () => {
    const actor = `imp-${randomBytes(4).toString('hex')}`;
    const raw = `sk_live_${randomBytes(16).toString('hex')}`;
    const imported = await client.importedKeys.import({ raw_key: raw, name: 'imp', actor_id: actor, scopes: ['a'] });
    const id = imported.key_id!;
    assert.equal(imported.status, 'KEY_STATUS_ACTIVE');
    await rejectsWith(client.importedKeys.import({ raw_key: raw, name: 'dup', actor_id: actor }), 409, 'ALREADY_EXISTS', 'API_KEY_EXISTS');

    const raw2 = `sk_live_${randomBytes(16).toString('hex')}`;
    const batch = await client.importedKeys.batchImport([
      { raw_key: raw2, name: 'b1', actor_id: actor },
      { raw_key: raw, name: 'b2', actor_id: actor },
    ]);
    assert.deepEqual([batch.success_count, batch.failure_count], [1, 1]);
    assert.equal(batch.results[0].index, 0);
    assert.ok(batch.results[0].imported_api_key?.key_id);
    assert.equal(batch.results[1].error_code, 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_ALREADY_EXISTS');

    assert.equal((await client.importedKeys.get(id)).name, 'imp');
    const page = await client.importedKeys.list({ filter: `actor_id="${actor}"`, page_size: 1 });
    assert.equal(page.imported_api_keys.length, 1);
    assert.ok(page.next_page_token);
    const all: string[] = [];
    for await (const k of client.importedKeys.listAll({ filter: `actor_id="${actor}"`, page_size: 1 })) all.push(k.key_id!);
    assert.equal(all.length, 2);

    const upd = await client.importedKeys.update(id, { metadata: { m: 1 } }, ['metadata']);
    assert.deepEqual(upd.metadata, { m: 1 });
    await client.importedKeys.revoke(id, { reason: 'REVOCATION_REASON_AFFILIATION_CHANGED' });
    assert.equal((await client.importedKeys.get(id)).status, 'KEY_STATUS_REVOKED');
    await client.importedKeys.delete(id);
    await rejectsWith(client.importedKeys.get(id), 404, 'NOT_FOUND', 'API_KEY_NOT_FOUND');
    await rejectsWith(client.importedKeys.delete(id), 404, 'NOT_FOUND', 'API_KEY_NOT_FOUND');
  });

  it('revoke alias, verify, batchVerify, derive, selfRevoke', async () => {
    const a = await client.issuedKeys.issue({ name: 'a', actor_id: 'va', scopes: ['s1', 's2'] });
    const b = await client.issuedKeys.issue({ name: 'b', actor_id: 'vb' });
    const ok = await client.verify(a.secret!);
    assert.equal(ok.is_valid, true);
    assert.equal(ok.key_id, a.issued_api_key.key_id);
    assert.deepEqual(ok.scopes, ['s1', 's2']);
    const bad = await client.verify(`${a.secret!.slice(0, -3)}zzz`);
    assert.deepEqual([bad.is_valid, bad.error_code], [false, 'VERIFICATION_ERROR_NOT_FOUND']);

    const derived = await client.derive({ credential: a.secret!, scopes: ['s1'], ttl: '10m' });
    assert.match(derived.token.token, /^eyJ/);
    assert.deepEqual(derived.token.scopes, ['s1']);
    assert.equal(derived.token.claims.sub, a.issued_api_key.key_id);
    await rejectsWith(client.derive({ credential: a.secret!, scopes: ['nope'] }), 403, 'PERMISSION_DENIED', 'SCOPE_NOT_ALLOWED');
    await rejectsWith(client.derive({ credential: 'not-a-key' }), 401, 'UNAUTHENTICATED', 'PARENT_KEY_INVALID');

    const results = await client.batchVerify([b.secret!, 'garbage', derived.token.token]);
    assert.deepEqual(
      results.map((r) => r.is_valid),
      [true, false, true],
    );
    assert.equal(results[2].key_id, a.issued_api_key.key_id, 'a derived token verifies as its parent');

    await client.revoke(b.issued_api_key.key_id!, { reason: 'REVOCATION_REASON_SUPERSEDED' });
    assert.equal((await client.verify(b.secret!)).error_code, 'VERIFICATION_ERROR_REVOKED');
    await rejectsWith(client.revoke(b.issued_api_key.key_id!, { reason: 'REVOCATION_REASON_SUPERSEDED' }), 409, 'ALREADY_EXISTS', 'API_KEY_ALREADY_REVOKED');

    // selfRevoke sends no admin token: an anonymous client works.
    const anonymous = new KeysmithClient({ endpoint: s.base });
    await anonymous.selfRevoke({ credential: a.secret!, reason: 'REVOCATION_REASON_KEY_COMPROMISE' });
    assert.equal((await client.verify(a.secret!)).error_code, 'VERIFICATION_ERROR_REVOKED');
    await anonymous.selfRevoke({ credential: a.secret! }); // already revoked → 200
    await rejectsWith(anonymous.selfRevoke({ credential: derived.token.token }), 400, 'INVALID_ARGUMENT', 'DERIVED_TOKEN_NOT_REVOCABLE');
    await rejectsWith(anonymous.selfRevoke({ credential: `${b.secret!.slice(0, -3)}zzz` }), 404, 'NOT_FOUND', 'API_KEY_NOT_FOUND');
  });

  it('error mapping: bad token, bad input, unknown id, hostile strings', async () => {
    const wrong = new KeysmithClient({ endpoint: s.base, token: 'ks_pat_wrong' });
    await rejectsWith(wrong.issuedKeys.list(), 401, 'UNAUTHENTICATED', 'UNAUTHENTICATED');
    await rejectsWith(client.issuedKeys.issue({ name: 'x', ttl: '-5s' }), 400, 'INVALID_ARGUMENT', 'INVALID_TTL');
    await rejectsWith(client.issuedKeys.get('00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND', 'API_KEY_NOT_FOUND');
    for (const id of ['../../operator/v1/projects', 'a\r\nx-evil: 1', 'x'.repeat(200), '\u0000']) {
      const e = await client.issuedKeys.get(id).then(
        () => assert.fail(`${JSON.stringify(id)} resolved`),
        (err: unknown) => err,
      );
      assert.ok(e instanceof KeysmithError);
      assert.ok(e.code >= 400 && e.code < 500, `${JSON.stringify(id)} → ${e.code}`);
    }
    assert.throws(() => client.issuedKeys.get(''), TypeError);
    const v = await rejectsWith(client.verify('x'.repeat(9000)), 400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
    assert.equal(typeof v.metadata, 'object');
  });
});

describe('sdk transport: timeouts, aborts, retries only where idempotent', () => {
  let server: Server;
  let base = '';
  let hits = 0;
  before(async () => {
    server = createServer((req, res) => {
      hits++;
      if (req.url?.startsWith('/hang')) return; // never answers
      if (req.url?.startsWith('/html')) {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
        return;
      }
      res
        .writeHead(503, { 'content-type': 'application/json', 'x-request-id': 'rid-1' })
        .end(
          JSON.stringify({ error: { code: 503, status: 'UNAVAILABLE', message: 'db down', details: [{ reason: 'SERVICE_UNAVAILABLE', domain: 'keysmith' }] } }),
        );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it('GETs are retried on 503, POSTs never', async () => {
    const counter = countingFetch();
    const c = new KeysmithClient({ endpoint: base, token: 't', fetch: counter.fetch, retries: 2 });
    const e = await rejectsWith(c.issuedKeys.get('k'), 503, 'UNAVAILABLE', 'SERVICE_UNAVAILABLE');
    assert.equal(e.requestId, 'rid-1');
    assert.equal(counter.count(), 3, 'one try + two retries');
    await rejectsWith(c.issuedKeys.issue({ name: 'x' }), 503, 'UNAVAILABLE', 'SERVICE_UNAVAILABLE');
    await rejectsWith(c.issuedKeys.revoke('k', { reason: 'REVOCATION_REASON_SUPERSEDED' }), 503, 'UNAVAILABLE', 'SERVICE_UNAVAILABLE');
    await rejectsWith(c.importedKeys.delete('k'), 503, 'UNAVAILABLE', 'SERVICE_UNAVAILABLE');
    assert.equal(counter.count(), 6, 'POST, POST, DELETE: once each');
  });

  it('a non-JSON error body still maps to a KeysmithError', async () => {
    const c = new KeysmithClient({ endpoint: `${base}/html`, retries: 0 });
    const e = await rejectsWith(c.issuedKeys.list(), 502, 'UNAVAILABLE', '', false);
    assert.match(e.message, /bad gateway/);
  });

  it('timeout and abort: code 0 with a client-side reason', async () => {
    const before = hits;
    const c = new KeysmithClient({ endpoint: `${base}/hang`, timeoutMs: 150, retries: 0 });
    await rejectsWith(c.verify('x'), 0, 'DEADLINE_EXCEEDED', 'CLIENT_TIMEOUT');
    const ctl = new AbortController();
    const p = c.verify('x', { signal: ctl.signal, timeoutMs: 5_000 });
    setTimeout(() => ctl.abort(), 50);
    await rejectsWith(p, 0, 'CANCELLED', 'CLIENT_ABORTED');
    assert.equal(hits - before, 2);
    const closed = new KeysmithClient({ endpoint: 'http://127.0.0.1:1', retries: 0 });
    await rejectsWith(closed.verify('x'), 0, 'UNAVAILABLE', 'CLIENT_NETWORK_ERROR');
  });

  it('refuses a relative or non-http endpoint at construction', () => {
    assert.throws(() => new KeysmithClient({ endpoint: 'localhost:4420' }), TypeError);
    assert.throws(() => new KeysmithClient({ endpoint: 'file:///etc/passwd' }), TypeError);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiKeysApi, Configuration, ResponseError } from '@ory/client-fetch';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Wire compatibility (SPEC §3): Ory's official fetch SDK, unmodified, drives the whole issued-key
// lifecycle against a real listening port. Any field, status or content type the SDK cannot parse
// fails here, not in a user's integration.

const ISSUED_KEY_SHAPE = /^ks_ak_v1_[1-9A-HJ-NP-Za-km-z]+_[1-9A-HJ-NP-Za-km-z]+$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const isValidDate = (d: unknown): boolean => d instanceof Date && !Number.isNaN(d.getTime());

/** Runs `fn`, expecting the SDK to throw a ResponseError; returns its status and parsed body. */
async function sdkError(fn: () => Promise<unknown>): Promise<{ status: number; body: any; requestId: string | null }> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof ResponseError, `expected ResponseError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return { status: e.response.status, body: await e.response.json(), requestId: e.response.headers.get('x-request-id') };
  }
  assert.fail('expected the SDK call to fail');
}

function assertAip193(body: any, status: number, reason: string): void {
  assert.equal(body.error.code, status);
  assert.equal(typeof body.error.status, 'string');
  assert.ok(body.error.message.length > 0);
  assert.equal(body.error.details[0]['@type'], 'type.googleapis.com/google.rpc.ErrorInfo');
  assert.equal(body.error.details[0].domain, 'keysmith');
  assert.equal(body.error.details[0].reason, reason);
}

describe('Ory SDK (@ory/client-fetch) compatibility', () => {
  let t: TestApp;
  let basePath: string;
  let api: ApiKeysApi;

  before(async () => {
    t = await createTestApp();
    await t.app.api.listen({ port: 0, host: '127.0.0.1' });
    basePath = `http://127.0.0.1:${(t.app.api.server.address() as AddressInfo).port}`;
    api = new ApiKeysApi(new Configuration({ basePath, accessToken: t.token }));
  });
  after(() => t.close());

  let keyId = '';
  let secret = '';

  it('issues a key with every request field and returns the secret once', async () => {
    const raw = await api.adminIssueApiKeyRaw({
      issueApiKeyRequest: {
        name: 'sdk key',
        actor_id: 'sdk-actor',
        scopes: ['read', 'write'],
        metadata: { team: 'payments', tier: 2 },
        ttl: '3600s',
        rate_limit_policy: { quota: '100', window: '60s' },
        ip_restriction: { allowed_cidrs: ['10.0.0.0/8', '127.0.0.1'] },
        request_id: 'sdk-req-0001',
      },
    });
    assert.equal(raw.raw.status, 201);
    const res = await raw.value();
    assert.equal(raw.raw.headers.get('location'), `/v2alpha1/admin/issuedApiKeys/${res.issued_api_key?.key_id}`);
    assert.ok(raw.raw.headers.get('x-request-id'));
    assert.ok(res.secret, 'secret present on first issue');
    assert.match(res.secret, ISSUED_KEY_SHAPE);
    const k = res.issued_api_key!;
    assert.match(k.key_id!, UUID_V4);
    assert.equal(k.name, 'sdk key');
    assert.equal(k.actor_id, 'sdk-actor');
    assert.deepEqual(k.scopes, ['read', 'write']);
    assert.deepEqual(k.metadata, { team: 'payments', tier: 2 });
    assert.equal(k.status, 'KEY_STATUS_ACTIVE');
    assert.equal(k.visibility, 'KEY_VISIBILITY_SECRET');
    assert.equal(k.rate_limit_policy?.quota, '100');
    assert.equal(k.rate_limit_policy?.unit, 'requests');
    assert.ok(k.rate_limit_policy?.window, 'window echoed');
    assert.deepEqual(k.ip_restriction?.allowed_cidrs, ['10.0.0.0/8', '127.0.0.1/32']);
    assert.ok(isValidDate(k.create_time), 'create_time parses as a Date');
    assert.ok(isValidDate(k.update_time), 'update_time parses as a Date');
    assert.ok(isValidDate(k.expire_time), 'expire_time parses as a Date');
    const ttlMs = k.expire_time!.getTime() - k.create_time!.getTime();
    assert.equal(ttlMs, 3600_000);
    assert.equal(k.last_used_time, undefined);
    assert.equal(k.revocation_reason, undefined);
    keyId = k.key_id!;
    secret = res.secret;
  });

  it('a repeated request_id returns the same key without a secret', async () => {
    const res = await api.adminIssueApiKey({ issueApiKeyRequest: { name: 'other name', request_id: 'sdk-req-0001' } });
    assert.equal(res.issued_api_key?.key_id, keyId);
    assert.equal(res.issued_api_key?.name, 'sdk key');
    assert.equal(res.secret, undefined);
  });

  it('gets the key', async () => {
    const k = await api.adminGetIssuedApiKey({ keyId });
    assert.equal(k.key_id, keyId);
    assert.equal(k.name, 'sdk key');
    assert.ok(isValidDate(k.create_time));
    assert.ok(isValidDate(k.expire_time));
    assert.equal((k as Record<string, unknown>).secret, undefined);
  });

  it('lists with an actor filter and page_size, following next_page_token to the end', async () => {
    const ids = new Set<string>([keyId]);
    for (let i = 0; i < 4; i++) {
      const r = await api.adminIssueApiKey({ issueApiKeyRequest: { name: `page ${i}`, actor_id: 'sdk-actor' } });
      ids.add(r.issued_api_key!.key_id!);
    }
    await api.adminIssueApiKey({ issueApiKeyRequest: { name: 'someone else', actor_id: 'other-actor' } });

    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await api.adminListIssuedApiKeys({ filter: 'actor_id="sdk-actor"', pageSize: 2, pageToken });
      pages++;
      assert.ok(page.issued_api_keys!.length <= 2);
      for (const k of page.issued_api_keys!) {
        assert.equal(k.actor_id, 'sdk-actor');
        assert.ok(isValidDate(k.create_time));
        seen.push(k.key_id!);
      }
      pageToken = page.next_page_token || undefined;
      assert.ok(pages < 10, 'pagination terminates');
    } while (pageToken);
    assert.equal(pages, 3);
    assert.equal(seen.length, 5);
    assert.deepEqual(new Set(seen), ids);
  });

  it('updates with update_mask=scopes: only scopes change', async () => {
    const k = await api.adminUpdateIssuedApiKey({
      keyId,
      updateMask: 'scopes',
      adminUpdateIssuedApiKeyRequest: { scopes: ['read'], name: 'ignored by the mask' },
    });
    assert.deepEqual(k.scopes, ['read']);
    assert.equal(k.name, 'sdk key');
    assert.ok(isValidDate(k.update_time));
  });

  it('updates without a mask: every populated field changes', async () => {
    const k = await api.adminUpdateIssuedApiKey({ keyId, adminUpdateIssuedApiKeyRequest: { name: 'renamed', metadata: { team: 'core' } } });
    assert.equal(k.name, 'renamed');
    assert.deepEqual(k.metadata, { team: 'core' });
    assert.deepEqual(k.scopes, ['read']);
  });

  it('accepts the whole key object as fetched (output-only fields are ignored)', async () => {
    const fetched = await api.adminGetIssuedApiKey({ keyId });
    const edited = { ...fetched, name: 'round-tripped', status: 'KEY_STATUS_REVOKED' as const, create_time: new Date(0) };
    const k = await api.adminUpdateIssuedApiKey({ keyId, adminUpdateIssuedApiKeyRequest: edited });
    assert.equal(k.name, 'round-tripped');
    assert.equal(k.status, 'KEY_STATUS_ACTIVE', 'status in the body is output-only');
    assert.equal(k.create_time!.getTime(), fetched.create_time!.getTime(), 'create_time in the body is output-only');
    assert.deepEqual(k.scopes, fetched.scopes);
    assert.deepEqual(k.metadata, fetched.metadata);
    assert.deepEqual(k.ip_restriction, fetched.ip_restriction);
    assert.deepEqual(k.rate_limit_policy, fetched.rate_limit_policy);
    assert.equal(k.expire_time!.getTime(), fetched.expire_time!.getTime());
  });

  it('verifies the secret', async () => {
    const v = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: secret } });
    assert.equal(v.is_valid, true);
    assert.equal(v.key_id, keyId);
    assert.equal(v.actor_id, 'sdk-actor');
    assert.equal(v.status, 'KEY_STATUS_ACTIVE');
    assert.deepEqual(v.scopes, ['read']);
    assert.ok(isValidDate(v.expire_time));
    assert.equal(v.error_code, undefined);
  });

  it('a wrong checksum is NOT_FOUND (is_valid false, still 200)', async () => {
    const last = secret.at(-1) === 'a' ? 'b' : 'a';
    const v = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: secret.slice(0, -1) + last } });
    assert.equal(v.is_valid, false);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal(v.key_id, undefined, 'no key_id without proof of possession');
  });

  it('adminBatchVerifyApiKeys: results in request order', async () => {
    const res = await api.adminBatchVerifyApiKeys({
      batchVerifyApiKeysRequest: { requests: [{ credential: 'nope' }, { credential: secret }, { credential: '' }] },
    });
    assert.equal(res.results?.length, 3);
    assert.equal(res.results?.[0].error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal(res.results?.[1].is_valid, true);
    assert.equal(res.results?.[1].key_id, keyId);
    assert.equal(res.results?.[2].error_code, 'VERIFICATION_ERROR_INVALID_FORMAT');
  });

  let rotatedSecret = '';
  let rotatedId = '';
  it('rotates: the new secret verifies, the old one is REVOKED with reason SUPERSEDED', async () => {
    const r = await api.adminRotateIssuedApiKey({ keyId, adminRotateIssuedApiKeyBody: { scopes: ['read', 'admin'] } });
    assert.match(r.secret!, ISSUED_KEY_SHAPE);
    assert.notEqual(r.secret, secret);
    rotatedSecret = r.secret!;
    rotatedId = r.issued_api_key!.key_id!;
    assert.notEqual(rotatedId, keyId);
    assert.deepEqual(r.issued_api_key!.scopes, ['read', 'admin']);
    assert.equal(r.issued_api_key!.name, 'round-tripped', 'absent fields are inherited');
    assert.equal(r.issued_api_key!.actor_id, 'sdk-actor');
    assert.ok(isValidDate(r.issued_api_key!.create_time));
    assert.ok(isValidDate(r.issued_api_key!.expire_time));
    assert.equal(r.old_issued_api_key!.key_id, keyId);
    assert.equal(r.old_issued_api_key!.status, 'KEY_STATUS_REVOKED');
    assert.equal(r.old_issued_api_key!.revocation_reason, 'REVOCATION_REASON_SUPERSEDED');

    const fresh = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: rotatedSecret } });
    assert.equal(fresh.is_valid, true);
    assert.equal(fresh.key_id, rotatedId);

    const old = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: secret } });
    assert.equal(old.is_valid, false);
    assert.equal(old.error_code, 'VERIFICATION_ERROR_REVOKED');
    assert.equal(old.status, 'KEY_STATUS_REVOKED');

    const oldRecord = await api.adminGetIssuedApiKey({ keyId });
    assert.equal(oldRecord.status, 'KEY_STATUS_REVOKED');
    assert.equal(oldRecord.revocation_reason, 'REVOCATION_REASON_SUPERSEDED');
  });

  it('revokes (204 → void), then a second revoke is a ResponseError 409', async () => {
    const res = await api.adminRevokeIssuedApiKey({ keyId: rotatedId, adminRevokeIssuedApiKeyBody: { reason: 'REVOCATION_REASON_KEY_COMPROMISE' } });
    assert.equal(res, undefined);
    const v = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: rotatedSecret } });
    assert.equal(v.is_valid, false);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_REVOKED');
    const k = await api.adminGetIssuedApiKey({ keyId: rotatedId });
    assert.equal(k.revocation_reason, 'REVOCATION_REASON_KEY_COMPROMISE');

    const err = await sdkError(() =>
      api.adminRevokeIssuedApiKey({ keyId: rotatedId, adminRevokeIssuedApiKeyBody: { reason: 'REVOCATION_REASON_KEY_COMPROMISE' } }),
    );
    assert.equal(err.status, 409);
    assertAip193(err.body, 409, 'API_KEY_ALREADY_REVOKED');
    assert.ok(err.requestId);
  });

  it('rotating a revoked key is a ResponseError 409 FAILED_PRECONDITION', async () => {
    const err = await sdkError(() => api.adminRotateIssuedApiKey({ keyId: rotatedId, adminRotateIssuedApiKeyBody: {} }));
    assert.equal(err.status, 409);
    assertAip193(err.body, 409, 'FAILED_PRECONDITION');
  });

  it('getting an unknown key is a ResponseError 404', async () => {
    const err = await sdkError(() => api.adminGetIssuedApiKey({ keyId: '00000000-0000-4000-8000-000000000000' }));
    assert.equal(err.status, 404);
    assertAip193(err.body, 404, 'API_KEY_NOT_FOUND');
  });

  it('a missing or wrong token is a ResponseError 401 with the AIP-193 body', async () => {
    const anonymous = new ApiKeysApi(new Configuration({ basePath }));
    const wrong = new ApiKeysApi(new Configuration({ basePath, accessToken: 'ks_pat_not_a_real_token' }));
    for (const client of [anonymous, wrong]) {
      const list = await sdkError(() => client.adminListIssuedApiKeys({}));
      assert.equal(list.status, 401);
      assertAip193(list.body, 401, 'UNAUTHENTICATED');
      const verify = await sdkError(() => client.adminVerifyApiKey({ verifyApiKeyRequest: { credential: rotatedSecret } }));
      assert.equal(verify.status, 401);
      assertAip193(verify.body, 401, 'UNAUTHENTICATED');
    }
  });
});

describe('Ory SDK (@ory/client-fetch) compatibility: imported keys', () => {
  let t: TestApp;
  let api: ApiKeysApi;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const raw = (tag: string) => `${tag}_${randomBytes(16).toString('hex')}`;
  const rawKeys: string[] = [];

  before(async () => {
    t = await createTestApp();
    await t.app.api.listen({ port: 0, host: '127.0.0.1' });
    const basePath = `http://127.0.0.1:${(t.app.api.server.address() as AddressInfo).port}`;
    api = new ApiKeysApi(new Configuration({ basePath, accessToken: t.token }));
  });
  after(() => t.close());

  let keyId = '';
  let secret = '';

  it('adminImportApiKey: 201 + Location, every field echoed, no secret material', async () => {
    secret = raw('sk_live');
    rawKeys.push(secret);
    const res = await api.adminImportApiKeyRaw({
      importApiKeyRequest: {
        raw_key: secret,
        name: 'stripe',
        actor_id: 'sdk-importer',
        scopes: ['charges:read'],
        metadata: { source: 'stripe' },
        ttl: '24h',
        rate_limit_policy: { quota: '10', window: '1s' },
        ip_restriction: { allowed_cidrs: ['192.168.0.0/16', '127.0.0.1'] },
        request_id: 'sdk-imp-0001',
      },
    });
    assert.equal(res.raw.status, 201);
    const k = await res.value();
    assert.match(k.key_id!, UUID);
    assert.equal(res.raw.headers.get('location'), `/v2alpha1/admin/importedApiKeys/${k.key_id}`);
    assert.ok(res.raw.headers.get('x-request-id'));
    assert.equal(k.name, 'stripe');
    assert.equal(k.actor_id, 'sdk-importer');
    assert.deepEqual(k.scopes, ['charges:read']);
    assert.deepEqual(k.metadata, { source: 'stripe' });
    assert.equal(k.status, 'KEY_STATUS_ACTIVE');
    assert.equal(k.visibility, 'KEY_VISIBILITY_SECRET');
    assert.equal(k.rate_limit_policy?.quota, '10');
    assert.deepEqual(k.ip_restriction?.allowed_cidrs, ['192.168.0.0/16', '127.0.0.1/32']);
    assert.ok(isValidDate(k.create_time) && isValidDate(k.update_time) && isValidDate(k.expire_time));
    assert.equal(k.expire_time!.getTime() - k.create_time!.getTime(), 86_400_000);
    assert.equal(JSON.stringify(k).includes(secret), false);
    keyId = k.key_id!;

    const replay = await api.adminImportApiKey({ importApiKeyRequest: { raw_key: raw('other'), name: 'x', actor_id: 'y', request_id: 'sdk-imp-0001' } });
    assert.equal(replay.key_id, keyId, 'a replayed request_id returns the original key');

    const v = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: secret } });
    assert.equal(v.is_valid, true);
    assert.equal(v.key_id, keyId);
    assert.equal(v.actor_id, 'sdk-importer');
    assert.ok(isValidDate(v.expire_time));
  });

  it('adminImportApiKey errors: duplicate 409, issued-key format 409, missing name 400 — as ResponseErrors', async () => {
    const dup = await sdkError(() => api.adminImportApiKey({ importApiKeyRequest: { raw_key: secret, name: 'again', actor_id: 'x' } }));
    assert.equal(dup.status, 409);
    assertAip193(dup.body, 409, 'API_KEY_EXISTS');
    const issued = await api.adminIssueApiKey({ issueApiKeyRequest: { name: 'issued' } });
    const fmt = await sdkError(() => api.adminImportApiKey({ importApiKeyRequest: { raw_key: issued.secret, name: 'n', actor_id: 'x' } }));
    assert.equal(fmt.status, 409);
    assertAip193(fmt.body, 409, 'ISSUED_KEY_FORMAT');
    const jwt = await sdkError(() =>
      api.adminImportApiKey({ importApiKeyRequest: { raw_key: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln', name: 'n', actor_id: 'x' } }),
    );
    assert.equal(jwt.status, 409);
    assertAip193(jwt.body, 409, 'DERIVED_TOKEN_FORMAT');
    const bad = await sdkError(() => api.adminImportApiKey({ importApiKeyRequest: { raw_key: raw('x'), actor_id: 'x' } }));
    assert.equal(bad.status, 400);
    assertAip193(bad.body, 400, 'INVALID_ARGUMENT');
  });

  const batchIds: string[] = [];
  it('adminBatchCreateImportedApiKeys: per-item results with typed error codes; all failing → ResponseError', async () => {
    const keys = [raw('gh'), raw('gh'), raw('gh')];
    rawKeys.push(...keys);
    const res = await api.adminBatchCreateImportedApiKeys({
      batchCreateImportedApiKeysRequest: {
        requests: [
          { raw_key: keys[0], name: 'b0', actor_id: 'sdk-batch' },
          { raw_key: secret, name: 'dup', actor_id: 'sdk-batch' },
          { raw_key: keys[1], actor_id: 'sdk-batch' },
          { raw_key: keys[2], name: 'b3', actor_id: 'sdk-batch', scopes: ['repo'] },
          { raw_key: `mc_v1_${randomBytes(10).toString('hex')}`, name: 'mac', actor_id: 'sdk-batch' },
        ],
      },
    });
    assert.equal(res.success_count, 2);
    assert.equal(res.failure_count, 3);
    assert.deepEqual(
      res.results!.map((r) => [r.index, r.error_code ?? null]),
      [
        [0, null],
        [1, 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_ALREADY_EXISTS'],
        [2, 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_INVALID_ARGUMENT'],
        [3, null],
        [4, 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_FAILED_PRECONDITION'],
      ],
    );
    for (const i of [0, 3]) {
      const k = res.results![i].imported_api_key!;
      assert.match(k.key_id!, UUID);
      assert.ok(isValidDate(k.create_time));
      batchIds.push(k.key_id!);
    }
    assert.deepEqual(res.results![3].imported_api_key!.scopes, ['repo']);
    for (const i of [1, 2, 4]) assert.ok(res.results![i].error_message);
    assert.equal((await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: keys[2] } })).key_id, batchIds[1]);

    const allDup = await sdkError(() =>
      api.adminBatchCreateImportedApiKeys({ batchCreateImportedApiKeysRequest: { requests: [{ raw_key: keys[0], name: 'x', actor_id: 'y' }] } }),
    );
    assert.equal(allDup.status, 409);
    assertAip193(allDup.body, 409, 'API_KEY_EXISTS');
    const empty = await sdkError(() => api.adminBatchCreateImportedApiKeys({ batchCreateImportedApiKeysRequest: { requests: [] } }));
    assert.equal(empty.status, 400);
  });

  it('adminGetImportedApiKey; an issued key id through it is a ResponseError 404', async () => {
    const k = await api.adminGetImportedApiKey({ keyId });
    assert.equal(k.key_id, keyId);
    assert.equal(k.name, 'stripe');
    assert.ok(isValidDate(k.create_time));
    const issued = await api.adminIssueApiKey({ issueApiKeyRequest: { name: 'not imported' } });
    const err = await sdkError(() => api.adminGetImportedApiKey({ keyId: issued.issued_api_key!.key_id! }));
    assert.equal(err.status, 404);
    assertAip193(err.body, 404, 'API_KEY_NOT_FOUND');
    const cross = await sdkError(() => api.adminGetIssuedApiKey({ keyId }));
    assert.equal(cross.status, 404);
  });

  it('adminListImportedApiKeys with filter and pageSize, following next_page_token to the end', async () => {
    const want = new Set(batchIds);
    for (let i = 0; i < 3; i++) {
      const r = raw('page');
      rawKeys.push(r);
      want.add((await api.adminImportApiKey({ importApiKeyRequest: { raw_key: r, name: `p${i}`, actor_id: 'sdk-batch' } })).key_id!);
    }
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await api.adminListImportedApiKeys({ filter: 'actor_id="sdk-batch"', pageSize: 2, pageToken });
      pages++;
      assert.ok(page.imported_api_keys!.length <= 2);
      for (const k of page.imported_api_keys!) {
        assert.equal(k.actor_id, 'sdk-batch');
        assert.ok(isValidDate(k.create_time));
        seen.push(k.key_id!);
      }
      pageToken = page.next_page_token || undefined;
      assert.ok(pages < 10);
    } while (pageToken);
    assert.equal(pages, 3);
    assert.deepEqual(new Set(seen), want);
    assert.equal(seen.length, 5);
    const bad = await sdkError(() => api.adminListImportedApiKeys({ pageToken: 'tampered' }));
    assert.equal(bad.status, 400);
    assertAip193(bad.body, 400, 'INVALID_PAGE_TOKEN');
  });

  it('adminUpdateImportedApiKey: update_mask, no mask, and the fetched object round-tripped', async () => {
    const masked = await api.adminUpdateImportedApiKey({
      keyId,
      updateMask: 'scopes',
      adminUpdateImportedApiKeyRequest: { scopes: ['charges:write'], name: 'ignored by the mask' },
    });
    assert.deepEqual(masked.scopes, ['charges:write']);
    assert.equal(masked.name, 'stripe');
    const all = await api.adminUpdateImportedApiKey({ keyId, adminUpdateImportedApiKeyRequest: { name: 'stripe renamed', metadata: { source: 'migrated' } } });
    assert.equal(all.name, 'stripe renamed');
    assert.deepEqual(all.metadata, { source: 'migrated' });
    const fetched = await api.adminGetImportedApiKey({ keyId });
    const round = await api.adminUpdateImportedApiKey({
      keyId,
      adminUpdateImportedApiKeyRequest: { ...fetched, name: 'round-tripped', status: 'KEY_STATUS_REVOKED' },
    });
    assert.equal(round.name, 'round-tripped');
    assert.equal(round.status, 'KEY_STATUS_ACTIVE');
    assert.equal(round.expire_time!.getTime(), fetched.expire_time!.getTime());
    assert.deepEqual(round.scopes, ['charges:write']);
    const v = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: secret } });
    assert.deepEqual(v.scopes, ['charges:write']);
  });

  it('adminRevokeImportedApiKey: 204 → void; again → ResponseError 409; verify → REVOKED', async () => {
    const res = await api.adminRevokeImportedApiKey({ keyId, adminRevokeImportedApiKeyBody: { reason: 'REVOCATION_REASON_KEY_COMPROMISE' } });
    assert.equal(res, undefined);
    const k = await api.adminGetImportedApiKey({ keyId });
    assert.equal(k.status, 'KEY_STATUS_REVOKED');
    assert.equal(k.revocation_reason, 'REVOCATION_REASON_KEY_COMPROMISE');
    const v = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: secret } });
    assert.equal(v.is_valid, false);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_REVOKED');
    const err = await sdkError(() => api.adminRevokeImportedApiKey({ keyId, adminRevokeImportedApiKeyBody: { reason: 'REVOCATION_REASON_KEY_COMPROMISE' } }));
    assert.equal(err.status, 409);
    assertAip193(err.body, 409, 'API_KEY_ALREADY_REVOKED');
  });

  it('adminDeleteImportedApiKey: 204 → void; then get → 404 and verify → NOT_FOUND', async () => {
    const [id] = batchIds;
    const res = await api.adminDeleteImportedApiKey({ keyId: id });
    assert.equal(res, undefined);
    const err = await sdkError(() => api.adminGetImportedApiKey({ keyId: id }));
    assert.equal(err.status, 404);
    assertAip193(err.body, 404, 'API_KEY_NOT_FOUND');
    const again = await sdkError(() => api.adminDeleteImportedApiKey({ keyId: id }));
    assert.equal(again.status, 404);
    const v = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: rawKeys[1] } });
    assert.equal(v.is_valid, false);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_NOT_FOUND');
  });

  it('no imported raw key reached the log', () => {
    const text = t.logs.text();
    for (const r of rawKeys) assert.equal(text.includes(r), false);
  });
});

describe('Ory SDK (@ory/client-fetch) compatibility: derived tokens, JWKS, self-revocation', () => {
  let t: TestApp;
  let basePath: string;
  let api: ApiKeysApi;
  let anonymous: ApiKeysApi;

  before(async () => {
    t = await createTestApp();
    await t.app.api.listen({ port: 0, host: '127.0.0.1' });
    basePath = `http://127.0.0.1:${(t.app.api.server.address() as AddressInfo).port}`;
    api = new ApiKeysApi(new Configuration({ basePath, accessToken: t.token }));
    anonymous = new ApiKeysApi(new Configuration({ basePath }));
  });
  after(() => t.close());

  let parentId = '';
  let parentSecret = '';
  let jwt = '';

  it('adminDeriveToken: a JWT with expire_time as a Date, scopes and claims', async () => {
    const issued = await api.adminIssueApiKey({ issueApiKeyRequest: { name: 'parent', actor_id: 'sdk-deriver', scopes: ['read', 'write'], ttl: '24h' } });
    parentId = issued.issued_api_key!.key_id!;
    parentSecret = issued.secret!;
    const res = await api.adminDeriveToken({
      deriveTokenRequest: {
        credential: parentSecret,
        ttl: '600s',
        scopes: ['read'],
        algorithm: 'TOKEN_ALGORITHM_JWT',
        custom_claims: { tenant: 'acme', sub: 'x' },
      },
    });
    const tok = res.token!;
    assert.match(tok.token!, /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.ok(isValidDate(tok.expire_time));
    assert.ok(Math.abs(tok.expire_time!.getTime() - Date.now() - 600_000) < 5_000);
    assert.deepEqual(tok.scopes, ['read']);
    const claims = tok.claims as Record<string, unknown>;
    assert.equal(claims.sub, parentId);
    assert.deepEqual(claims.scp, ['read']);
    assert.equal(claims.tenant, 'acme');
    jwt = tok.token!;

    const v = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: jwt } });
    assert.equal(v.is_valid, true);
    assert.equal(v.key_id, parentId);
    assert.deepEqual(v.scopes, ['read']);
  });

  it('adminDeriveToken errors are ResponseErrors: 403 SCOPE_NOT_ALLOWED, 401 PARENT_KEY_INVALID, 400 bad ttl', async () => {
    const scope = await sdkError(() => api.adminDeriveToken({ deriveTokenRequest: { credential: parentSecret, scopes: ['admin'] } }));
    assert.equal(scope.status, 403);
    assertAip193(scope.body, 403, 'SCOPE_NOT_ALLOWED');
    const parent = await sdkError(() => api.adminDeriveToken({ deriveTokenRequest: { credential: 'not-a-key-0123456789' } }));
    assert.equal(parent.status, 401);
    assertAip193(parent.body, 401, 'PARENT_KEY_INVALID');
    const ttl = await sdkError(() => api.adminDeriveToken({ deriveTokenRequest: { credential: parentSecret, ttl: '0s' } }));
    assert.equal(ttl.status, 400);
  });

  it('getJwks (unauthenticated): the Talos envelope parses and verifies the derived JWT with jose', async () => {
    const res = await anonymous.getJwks();
    const keys = res.jwks!.keys;
    assert.equal(keys.length, 1);
    assert.equal(typeof keys[0].kid, 'string');
    assert.equal(keys[0].kty, 'OKP');
    assert.equal((keys[0] as unknown as Record<string, unknown>).d, undefined);
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(res.jwks as JSONWebKeySet));
    assert.equal(payload.sub, parentId);
  });

  it("revokeApiKey (unauthenticated Configuration): revokes the holder's key; then verify → REVOKED", async () => {
    const res = await anonymous.revokeApiKey({ selfRevokeApiKeyRequest: { credential: parentSecret, reason: 'REVOCATION_REASON_KEY_COMPROMISE' } });
    assert.deepEqual(res, {});
    const v = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: parentSecret } });
    assert.equal(v.is_valid, false);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_REVOKED');
    assert.deepEqual(await anonymous.revokeApiKey({ selfRevokeApiKeyRequest: { credential: parentSecret } }), {}, 'again → 200');
    const derivedRevoked = await sdkError(() => api.adminDeriveToken({ deriveTokenRequest: { credential: parentSecret } }));
    assert.equal(derivedRevoked.status, 403);
    assertAip193(derivedRevoked.body, 403, 'API_KEY_REVOKED');
  });

  it('revokeApiKey errors are ResponseErrors: 404 unknown key, 400 derived token, 400 PRIVILEGE_WITHDRAWN', async () => {
    const unknown = await sdkError(() => anonymous.revokeApiKey({ selfRevokeApiKeyRequest: { credential: 'sk_unknown_0123456789abcdef' } }));
    assert.equal(unknown.status, 404);
    assertAip193(unknown.body, 404, 'API_KEY_NOT_FOUND');
    const derived = await sdkError(() => anonymous.revokeApiKey({ selfRevokeApiKeyRequest: { credential: jwt } }));
    assert.equal(derived.status, 400);
    assertAip193(derived.body, 400, 'DERIVED_TOKEN_NOT_REVOCABLE');
    const fresh = await api.adminIssueApiKey({ issueApiKeyRequest: { name: 'pw' } });
    const pw = await sdkError(() =>
      anonymous.revokeApiKey({ selfRevokeApiKeyRequest: { credential: fresh.secret!, reason: 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN' } }),
    );
    assert.equal(pw.status, 400);
  });
});

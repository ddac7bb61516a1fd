import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiKeysApi, Configuration, ResponseError } from '@ory/client-fetch';
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

    const err = await sdkError(() => api.adminRevokeIssuedApiKey({ keyId: rotatedId, adminRevokeIssuedApiKeyBody: { reason: 'REVOCATION_REASON_KEY_COMPROMISE' } }));
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

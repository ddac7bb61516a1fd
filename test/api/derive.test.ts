import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { FrozenClock } from '../../src/shared/clock.js';
import { createProject, createToken, expectError } from '../helpers/operator.js';
import { createTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/test-app.js';

// SPEC §1 (derived JWT) and §3 (derive, JWKS): a long-lived key is exchanged for a short-lived JWT that
// any relying party verifies with the published JWKS alone, and that Keysmith's own verify accepts.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const DERIVE = '/v2alpha1/admin/apiKeys:derive';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('derived JWTs: POST /v2alpha1/admin/apiKeys:derive', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  let projectId = '';
  before(async () => {
    t = await createTestApp({ clock });
    projectId = t.app.bootstrap.projectId;
  });
  after(() => t.close());

  const pfx = (slug?: string) => (slug ? `/projects/${slug}` : '');

  const issue = async (body: Record<string, unknown> = {}, token = TEST_ADMIN_TOKEN) => {
    const r = await t.as(token, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'parent', ...body });
    assert.equal(r.statusCode, 201, r.body);
    return { secret: r.json().secret as string, id: r.json().issued_api_key.key_id as string };
  };
  const importKey = async (body: Record<string, unknown> = {}) => {
    const raw = `sk_live_${randomBytes(16).toString('hex')}`;
    const r = await t.call('POST', '/v2alpha1/admin/importedApiKeys', { raw_key: raw, name: 'imp', actor_id: 'importer', ...body });
    assert.equal(r.statusCode, 201, r.body);
    return { secret: raw, id: r.json().key_id as string };
  };
  const derive = (body: Record<string, unknown>, token = TEST_ADMIN_TOKEN) => t.as(token, 'POST', DERIVE, body);
  const deriveOk = async (body: Record<string, unknown>, token = TEST_ADMIN_TOKEN) => {
    const r = await derive(body, token);
    assert.equal(r.statusCode, 200, r.body);
    const tok = r.json().token;
    assert.match(tok.token, JWT_SHAPE);
    return tok as { token: string; expire_time: string; scopes: string[]; claims: Record<string, any> };
  };
  const verify = async (credential: string, remoteAddress = '127.0.0.1', token = TEST_ADMIN_TOKEN) => {
    const r = await t.app.api.inject({
      method: 'POST',
      url: VERIFY,
      remoteAddress,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ credential }),
    });
    assert.equal(r.statusCode, 200, r.body);
    return r.json() as Record<string, any>;
  };
  const wellKnown = async (slug?: string): Promise<JSONWebKeySet> => {
    const r = await t.app.api.inject({ method: 'GET', url: `${pfx(slug)}/.well-known/jwks.json` });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };
  const talosJwks = async (slug?: string): Promise<JSONWebKeySet> => {
    const r = await t.app.api.inject({ method: 'GET', url: `${pfx(slug)}/v2alpha1/derivedKeys/jwks.json` });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(Object.keys(r.json()), ['jwks']);
    return r.json().jwks;
  };
  /** Verification by a relying party: jose and the public JWKS only, at the server's (frozen) time. */
  const joseVerify = (token: string, jwks: JSONWebKeySet) => jwtVerify(token, createLocalJWKSet(jwks), { currentDate: new Date(clock.now()) });
  /** The JWKS endpoint caches for 5 s; step past it so the next fetch reads the store. */
  const pastJwksCache = () => clock.advance(5_001);

  let issuedParent = { secret: '', id: '' };
  let issuedToken = '';

  it('derives from an issued key: response, sealed claims, reserved custom claims stripped', async () => {
    issuedParent = await issue({ actor_id: 'svc-a', scopes: ['read', 'write', 'admin'], metadata: { team: 'payments' }, ttl: '24h' });
    const tok = await deriveOk({
      credential: issuedParent.secret,
      ttl: '600s',
      scopes: ['read', 'write'],
      custom_claims: { tenant: 'acme', n: 7, sub: 'evil', nid: 'other', scp: ['admin'], exp: 9_999_999_999, iss: 'x', acl: [], act: 'root', vis: 'public' },
    });
    issuedToken = tok.token;
    assert.deepEqual(tok.scopes, ['read', 'write']);
    assert.equal(tok.expire_time, new Date(T0 + 600_000).toISOString());

    const header = decodeProtectedHeader(tok.token);
    assert.equal(header.alg, 'EdDSA', 'default algorithm');
    assert.equal(header.typ, 'JWT');
    assert.equal(typeof header.kid, 'string');

    const claims = decodeJwt(tok.token);
    assert.deepEqual(tok.claims, claims, 'the response claims are the signed claims');
    assert.equal(claims.sub, issuedParent.id);
    assert.equal(claims.nid, projectId);
    assert.deepEqual(claims.scp, ['read', 'write']);
    assert.equal(claims.act, 'svc-a');
    assert.deepEqual(claims.meta, { team: 'payments' });
    assert.equal(claims.vis, 'secret');
    assert.equal(claims.iss, 'http://localhost:4420');
    assert.equal(claims.iat, T0 / 1000);
    assert.equal(claims.nbf, T0 / 1000);
    assert.equal(claims.exp, T0 / 1000 + 600);
    assert.match(String(claims.jti), UUID);
    assert.equal(claims.acl, undefined, 'no acl without CIDRs');
    assert.equal(claims.tenant, 'acme');
    assert.equal(claims.n, 7);
  });

  it('the token verifies with jose alone against both JWKS documents', async () => {
    const std = await wellKnown();
    const talos = await talosJwks();
    assert.deepEqual(std, talos, 'the two documents publish the same keys');
    assert.equal(std.keys.length, 1);
    for (const k of std.keys) {
      assert.equal(k.d, undefined, 'no private part');
      assert.equal(typeof k.kid, 'string');
    }
    for (const jwks of [std, talos]) {
      const { payload, protectedHeader } = await joseVerify(issuedToken, jwks);
      assert.equal(payload.sub, issuedParent.id);
      assert.equal(protectedHeader.kid, std.keys[0].kid);
    }
  });

  // A change well inside the signature (the last base64url character carries padding bits: changing it
  // may not change the bytes).
  const flipAt = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

  it('admin verify: is_valid, key_id = parent, scopes = derived scopes; also in a batch', async () => {
    const v = await verify(issuedToken);
    assert.equal(v.is_valid, true, JSON.stringify(v));
    assert.equal(v.key_id, issuedParent.id);
    assert.deepEqual(v.scopes, ['read', 'write']);
    assert.equal(v.actor_id, 'svc-a');
    assert.equal(v.error_code, undefined);

    const b = await t.call('POST', '/v2alpha1/admin/apiKeys:batchVerify', {
      requests: [
        { credential: issuedParent.secret },
        { credential: issuedToken },
        { credential: 'nope' },
        { credential: flipAt(issuedToken, issuedToken.length - 10) },
      ],
    });
    assert.equal(b.statusCode, 200, b.body);
    const r = b.json().results;
    assert.equal(r.length, 4);
    assert.equal(r[0].is_valid, true);
    assert.deepEqual(r[0].scopes, ['read', 'write', 'admin']);
    assert.equal(r[1].is_valid, true);
    assert.equal(r[1].key_id, issuedParent.id);
    assert.deepEqual(r[1].scopes, ['read', 'write']);
    assert.equal(r[2].error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal(r[3].is_valid, false);
    assert.equal(r[3].error_code, 'VERIFICATION_ERROR_SIGNATURE_INVALID');
  });

  it('derives from an imported key; empty scopes = all of the parent', async () => {
    const parent = await importKey({ scopes: ['charges:read', 'charges:write'], metadata: { src: 'stripe' } });
    const tok = await deriveOk({ credential: parent.secret });
    assert.deepEqual(tok.scopes, ['charges:read', 'charges:write']);
    const { payload } = await joseVerify(tok.token, await wellKnown());
    assert.equal(payload.sub, parent.id);
    assert.equal(payload.act, 'importer');
    assert.deepEqual(payload.meta, { src: 'stripe' });
    assert.equal(payload.exp, (clock.now() - (clock.now() % 1000)) / 1000 + 3600, 'default ttl 1h');
    const v = await verify(tok.token);
    assert.equal(v.is_valid, true);
    assert.equal(v.key_id, parent.id);
    assert.deepEqual(v.scopes, ['charges:read', 'charges:write']);
  });

  it('scopes not held by the parent → 403 SCOPE_NOT_ALLOWED', async () => {
    expectError(await derive({ credential: issuedParent.secret, scopes: ['read', 'superuser'] }), 403, 'SCOPE_NOT_ALLOWED');
  });

  it('ttl beyond the parent remaining life → 400 INVALID_TTL; malformed ttl → 400', async () => {
    const p = await issue({ ttl: '1h' });
    expectError(await derive({ credential: p.secret, ttl: '2h' }), 400, 'INVALID_TTL');
    await deriveOk({ credential: p.secret, ttl: '3600s' });
    const bad = await derive({ credential: p.secret, ttl: 'soon' });
    assert.equal(bad.statusCode, 400, bad.body);
  });

  it('custom_claims over 4 KB → 400', async () => {
    const res = await derive({ credential: issuedParent.secret, custom_claims: { blob: 'x'.repeat(4200) } });
    expectError(res, 400, 'INVALID_ARGUMENT');
    await deriveOk({ credential: issuedParent.secret, custom_claims: { blob: 'x'.repeat(3000) } });
  });

  it('revoked parent → 403 API_KEY_REVOKED', async () => {
    const p = await issue();
    const rv = await t.call('POST', `/v2alpha1/admin/issuedApiKeys/${p.id}:revoke`, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' });
    assert.equal(rv.statusCode, 204, rv.body);
    expectError(await derive({ credential: p.secret }), 403, 'API_KEY_REVOKED');
  });

  it('unknown, garbage, wrong-checksum and derived-JWT parents → 401 PARENT_KEY_INVALID', async () => {
    const flipped = issuedParent.secret.slice(0, -1) + (issuedParent.secret.at(-1) === 'a' ? 'b' : 'a');
    for (const credential of ['garbage-key-that-was-never-imported', flipped, issuedToken, 'mc_v1_AAAA'])
      expectError(await derive({ credential }), 401, 'PARENT_KEY_INVALID', credential.slice(0, 20));
  });

  it('TOKEN_ALGORITHM_MACAROON → a macaroon (test/api/macaroon.test.ts covers it); TOKEN_ALGORITHM_JWT → a JWT', async () => {
    const r = await derive({ credential: issuedParent.secret, algorithm: 'TOKEN_ALGORITHM_MACAROON' });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.json().token.token, /^mc_v1_[A-Za-z0-9_-]+$/);
    await deriveOk({ credential: issuedParent.secret, algorithm: 'TOKEN_ALGORITHM_JWT' });
  });

  it('permissions: a verify-only token may derive, a read-only token may not', async () => {
    const verifyTok = await createToken(t, projectId, ['verify']);
    const readTok = await createToken(t, projectId, ['read']);
    await deriveOk({ credential: issuedParent.secret, ttl: '60s' }, verifyTok.secret);
    expectError(await derive({ credential: issuedParent.secret }, readTok.secret), 403, 'PERMISSION_DENIED');
  });

  it('a token of another project verified with this project’s token → NOT_FOUND; each project verifies its own', async () => {
    const b = await createProject(t, 'derive-other');
    const parentB = await issue({ scopes: ['x'] }, b.token);
    const tokB = await deriveOk({ credential: parentB.secret }, b.token);
    assert.equal(tokB.claims.nid, b.id);
    const v = await verify(tokB.token);
    assert.equal(v.is_valid, false);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    assert.equal(v.key_id, undefined);
    assert.equal((await verify(tokB.token, '127.0.0.1', b.token)).is_valid, true);
    // B's parent is not a parent in the default project either.
    expectError(await derive({ credential: parentB.secret }), 401, 'PARENT_KEY_INVALID');
    // The default project's JWKS does not verify B's token.
    await assert.rejects(joseVerify(tokB.token, await wellKnown()));
    await joseVerify(tokB.token, await wellKnown(b.slug));
  });

  it('tampered payload or signature → VERIFICATION_ERROR_SIGNATURE_INVALID', async () => {
    const [h, p, s] = issuedToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, scp: ['read', 'write', 'admin'] })).toString('base64url');
    const sig = Buffer.from(s, 'base64url');
    sig[0] ^= 1;
    for (const bad of [`${h}.${forged}.${s}`, `${h}.${p}.${sig.toString('base64url')}`]) {
      const v = await verify(bad);
      assert.equal(v.is_valid, false);
      assert.equal(v.error_code, 'VERIFICATION_ERROR_SIGNATURE_INVALID');
    }
    // alg "none" and an unknown kid are refused too.
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    assert.equal((await verify(`${none}AAAA`)).is_valid, false);
    const kidless = `${Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'nope' })).toString('base64url')}.${p}.${s}`;
    assert.equal((await verify(kidless)).error_code, 'VERIFICATION_ERROR_SIGNATURE_INVALID');
  });

  it('parent with allowed_cidrs: acl claim; the JWT verifies only from inside the range', async () => {
    const p = await issue({ ip_restriction: { allowed_cidrs: ['10.0.0.0/8'] } });
    // Derive is called by a gateway: the parent's allowlist is not applied to the derive caller.
    const tok = await deriveOk({ credential: p.secret });
    assert.deepEqual(tok.claims.acl, ['10.0.0.0/8']);
    const outside = await verify(tok.token, '127.0.0.1');
    assert.equal(outside.is_valid, false);
    assert.equal(outside.error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
    const inside = await verify(tok.token, '10.1.1.1');
    assert.equal(inside.is_valid, true, JSON.stringify(inside));
    assert.equal(inside.key_id, p.id);
  });

  it('expired derived token (past exp + clock skew) → EXPIRED; within the skew still valid', async () => {
    const tok = await deriveOk({ credential: issuedParent.secret, ttl: '60s' });
    clock.advance(60_000 + 300_000 - 1_000); // exp + skew − 1 s
    assert.equal((await verify(tok.token)).is_valid, true, 'within the 5 min skew');
    clock.advance(2_000);
    const v = await verify(tok.token);
    assert.equal(v.is_valid, false);
    assert.equal(v.error_code, 'VERIFICATION_ERROR_EXPIRED');
  });

  it('expired parent → 409 API_KEY_EXPIRED', async () => {
    const p = await issue({ ttl: '1h' });
    clock.advance(3_600_000 + 1_000);
    expectError(await derive({ credential: p.secret }), 409, 'API_KEY_EXPIRED');
  });

  describe('issuers', () => {
    it('issuer change: tokens of the old issuer verify while it is retired, not once it is dropped', async () => {
      const proj = await createProject(t, 'derive-issuer');
      const parent = await issue({}, proj.token);
      const old = await deriveOk({ credential: parent.secret }, proj.token);
      assert.equal(old.claims.iss, 'http://localhost:4420');
      const patch = (credentials: Record<string, unknown>) => t.op('PATCH', `/operator/v1/projects/${proj.id}/config`, { credentials });

      let r = await patch({ issuer: 'https://keys.new.example', issuer_retired: [{ value: 'http://localhost:4420', expires_at: null }] });
      assert.equal(r.statusCode, 200, r.body);
      const fresh = await deriveOk({ credential: parent.secret }, proj.token);
      assert.equal(fresh.claims.iss, 'https://keys.new.example');
      assert.equal((await verify(old.token, '127.0.0.1', proj.token)).is_valid, true, 'retired issuer still accepted');
      assert.equal((await verify(fresh.token, '127.0.0.1', proj.token)).is_valid, true);

      r = await patch({ issuer: 'https://keys.new.example', issuer_retired: [] });
      assert.equal(r.statusCode, 200, r.body);
      const v = await verify(old.token, '127.0.0.1', proj.token);
      assert.equal(v.is_valid, false);
      assert.equal(v.error_code, 'VERIFICATION_ERROR_SIGNATURE_INVALID');
      assert.equal((await verify(fresh.token, '127.0.0.1', proj.token)).is_valid, true);
    });

    it('a retired issuer with a past expires_at is no longer accepted', async () => {
      const proj = await createProject(t, 'derive-issuer-exp');
      const parent = await issue({}, proj.token);
      const old = await deriveOk({ credential: parent.secret }, proj.token);
      const r = await t.op('PATCH', `/operator/v1/projects/${proj.id}/config`, {
        credentials: {
          issuer: 'https://other.example',
          issuer_retired: [{ value: 'http://localhost:4420', expires_at: new Date(clock.now() + 60_000).toISOString() }],
        },
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal((await verify(old.token, '127.0.0.1', proj.token)).is_valid, true);
      clock.advance(60_000);
      assert.equal((await verify(old.token, '127.0.0.1', proj.token)).error_code, 'VERIFICATION_ERROR_SIGNATURE_INVALID');
    });
  });

  describe('signing key rotation', () => {
    it('graceful: the old token stays valid and the JWKS publishes both keys; revoke: the old kid is gone', async () => {
      const proj = await createProject(t, 'derive-rotate');
      const parent = await issue({}, proj.token);
      const first = await deriveOk({ credential: parent.secret }, proj.token);
      const firstKid = decodeProtectedHeader(first.token).kid;
      assert.equal((await wellKnown(proj.slug)).keys.length, 1);

      let r = await t.op('POST', `/operator/v1/projects/${proj.id}/signingKeys:rotate`, { mode: 'graceful' });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().signing_keys.length, 2);
      pastJwksCache();
      const afterGraceful = await wellKnown(proj.slug);
      assert.equal(afterGraceful.keys.length, 2);
      assert.ok(afterGraceful.keys.some((k) => k.kid === firstKid));
      assert.equal((await verify(first.token, '127.0.0.1', proj.token)).is_valid, true, 'old token still valid');
      await joseVerify(first.token, afterGraceful);
      const second = await deriveOk({ credential: parent.secret }, proj.token);
      const secondKid = decodeProtectedHeader(second.token).kid;
      assert.notEqual(secondKid, firstKid, 'new tokens are signed with the new key');
      await joseVerify(second.token, afterGraceful);

      r = await t.op('POST', `/operator/v1/projects/${proj.id}/signingKeys:rotate`, { mode: 'revoke' });
      assert.equal(r.statusCode, 200, r.body);
      pastJwksCache();
      const afterRevoke = await wellKnown(proj.slug);
      const kids = afterRevoke.keys.map((k) => k.kid);
      assert.ok(!kids.includes(secondKid), 'the revoked current key is gone from the JWKS');
      const v = await verify(second.token, '127.0.0.1', proj.token);
      assert.equal(v.is_valid, false);
      assert.equal(v.error_code, 'VERIFICATION_ERROR_SIGNATURE_INVALID');
      await assert.rejects(joseVerify(second.token, afterRevoke));
      const third = await deriveOk({ credential: parent.secret }, proj.token);
      assert.equal((await verify(third.token, '127.0.0.1', proj.token)).is_valid, true);
      await joseVerify(third.token, afterRevoke);
    });

    it('revoke mode right after the first key: the only token in circulation fails', async () => {
      const proj = await createProject(t, 'derive-rotate-hard');
      const parent = await issue({}, proj.token);
      const tok = await deriveOk({ credential: parent.secret }, proj.token);
      const kid = decodeProtectedHeader(tok.token).kid;
      await wellKnown(proj.slug); // prime the JWKS cache
      const r = await t.op('POST', `/operator/v1/projects/${proj.id}/signingKeys:rotate`, { mode: 'revoke' });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal((await verify(tok.token, '127.0.0.1', proj.token)).error_code, 'VERIFICATION_ERROR_SIGNATURE_INVALID');
      pastJwksCache();
      const jwks = await wellKnown(proj.slug);
      assert.equal(jwks.keys.length, 1);
      assert.notEqual(jwks.keys[0].kid, kid);
    });
  });

  describe('signing algorithms', () => {
    for (const [alg, kty] of [
      ['ES256', 'EC'],
      ['RS256', 'RSA'],
    ] as const) {
      it(`a project enabled with ${alg} derives ${alg} tokens that verify with jose`, async () => {
        const proj = await createProject(t, `derive-${alg.toLowerCase()}`, { enable: false });
        const en = await t.op('POST', `/operator/v1/projects/${proj.id}:enableApiKeys`, { signing_algorithm: alg });
        assert.equal(en.statusCode, 200, en.body);
        const parent = await issue({ scopes: ['a'] }, proj.token);
        const tok = await deriveOk({ credential: parent.secret, scopes: ['a'] }, proj.token);
        const header = decodeProtectedHeader(tok.token);
        assert.equal(header.alg, alg);
        const jwks = await wellKnown(proj.slug);
        assert.equal(jwks.keys.length, 1);
        assert.equal(jwks.keys[0].kty, kty);
        assert.equal(jwks.keys[0].kid, header.kid);
        assert.equal(jwks.keys[0].d, undefined, 'no private part');
        if (kty === 'RSA') for (const f of ['p', 'q', 'dp', 'dq', 'qi']) assert.equal(jwks.keys[0][f as 'd'], undefined, f);
        const { protectedHeader, payload } = await joseVerify(tok.token, jwks);
        assert.equal(protectedHeader.alg, alg);
        assert.equal(payload.sub, parent.id);
        await joseVerify(tok.token, await talosJwks(proj.slug));
        const v = await verify(tok.token, '127.0.0.1', proj.token);
        assert.equal(v.is_valid, true, JSON.stringify(v));
        assert.deepEqual(v.scopes, ['a']);
      });
    }
  });
});

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiKeysApi, Configuration } from '@ory/client-fetch';
import {
  attenuateMacaroon,
  chainSignature,
  decodeClaimsCaveat,
  encodeClaimsCaveat,
  formatMacaroonToken,
  type MacaroonV2,
  parseMacaroonToken,
} from '../../packages/sdk/src/macaroon/index.js';
import { FrozenClock } from '../../src/shared/clock.js';
import { createProject, expectError } from '../helpers/operator.js';
import { createTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/test-app.js';

// Derived macaroons end to end (SPEC §1, §3; issue 7): derive → verify (single and batch), holder
// attenuation with every caveat kind, fail-closed caveats, tenant isolation, expiry on a frozen clock,
// client IP, HMAC-secret rotation, self-revocation, and the Ory SDK.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const SKEW = 300_000; // the project default clock_skew (5 min)
const DERIVE = '/v2alpha1/admin/apiKeys:derive';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const BATCH = '/v2alpha1/admin/apiKeys:batchVerify';
const MACAROON_SHAPE = /^mc_v1_[A-Za-z0-9_-]+$/;

/** Re-signs nothing: swaps parts of a macaroon and keeps its signature (what a forger can do). */
const rebuild = (token: string, change: (m: MacaroonV2) => MacaroonV2): string => {
  const { prefix, macaroon } = parseMacaroonToken(token);
  return formatMacaroonToken(prefix, change(macaroon));
};
/** Appends a caveat outside the language, correctly chained (what a confused or hostile holder can do). */
const appendRaw = (token: string, id: Buffer, extra: Partial<MacaroonV2['caveats'][number]> = {}): string =>
  rebuild(token, (m) => ({ ...m, caveats: [...m.caveats, { id, ...extra }], signature: chainSignature(m.signature, id) }));

describe('derived macaroons: derive, verify, attenuate', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  let projectId = '';
  before(async () => {
    t = await createTestApp({ clock });
    projectId = t.app.bootstrap.projectId;
  });
  after(() => t.close());

  const issue = async (body: Record<string, unknown> = {}, token = TEST_ADMIN_TOKEN) => {
    const r = await t.as(token, 'POST', '/v2alpha1/admin/issuedApiKeys', { name: 'parent', ttl: '30d', ...body });
    assert.equal(r.statusCode, 201, r.body);
    return { secret: r.json().secret as string, id: r.json().issued_api_key.key_id as string };
  };
  const derive = (body: Record<string, unknown>, token = TEST_ADMIN_TOKEN) => t.as(token, 'POST', DERIVE, { algorithm: 'TOKEN_ALGORITHM_MACAROON', ...body });
  const deriveOk = async (body: Record<string, unknown>, token = TEST_ADMIN_TOKEN) => {
    const r = await derive(body, token);
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.json().token.token, MACAROON_SHAPE);
    return r.json().token as { token: string; expire_time: string; scopes: string[]; claims: Record<string, any> };
  };
  const inject = async (url: string, payload: unknown, remoteAddress: string, token: string) => {
    const r = await t.app.api.inject({
      method: 'POST',
      url,
      remoteAddress,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };
  const verify = (credential: string, remoteAddress = '127.0.0.1', token = TEST_ADMIN_TOKEN): Promise<Record<string, any>> =>
    inject(VERIFY, { credential }, remoteAddress, token);
  const batch = async (credentials: string[], remoteAddress = '127.0.0.1'): Promise<Record<string, any>[]> =>
    (await inject(BATCH, { requests: credentials.map((credential) => ({ credential })) }, remoteAddress, TEST_ADMIN_TOKEN)).results;
  const expectInvalid = (v: Record<string, any>, code: string, what: string) => {
    assert.equal(v.is_valid, false, `${what}: ${JSON.stringify(v)}`);
    assert.equal(v.error_code, code, what);
  };

  let parent = { secret: '', id: '' };
  let token = '';

  it('derive: the response carries the token, expiry, scopes and the sealed claims (same names as a JWT)', async () => {
    parent = await issue({ actor_id: 'svc-a', scopes: ['read', 'write', 'admin'], metadata: { team: 'payments' } });
    const tok = await deriveOk({ credential: parent.secret, ttl: '2h', scopes: ['read', 'write'], custom_claims: { tenant: 'acme', tier: 3, sub: 'evil' } });
    token = tok.token;
    assert.equal(tok.expire_time, new Date(T0 + 7_200_000).toISOString());
    assert.deepEqual(tok.scopes, ['read', 'write']);
    const c = tok.claims;
    assert.equal(c.sub, parent.id, 'reserved custom claim stripped');
    assert.equal(c.nid, projectId);
    assert.equal(c.act, 'svc-a');
    assert.deepEqual(c.scp, ['read', 'write']);
    assert.deepEqual(c.meta, { team: 'payments' });
    assert.equal(c.vis, 'secret');
    assert.equal(c.exp - c.iat, 7200);
    assert.equal(c.tenant, 'acme');
    for (const k of ['jti', 'iss', 'iat', 'nbf']) assert.ok(c[k] !== undefined, k);
    // The first caveat of the macaroon is exactly these claims; the identifier is the jti.
    const { macaroon } = parseMacaroonToken(token);
    assert.equal(macaroon.caveats.length, 1);
    assert.deepEqual(decodeClaimsCaveat(macaroon.caveats[0].id), c);
    assert.equal(macaroon.identifier.toString(), c.jti);
  });

  it('verify (single and batch): valid, key_id = parent, the derived scopes, the token expiry', async () => {
    const v = await verify(token);
    assert.equal(v.is_valid, true, JSON.stringify(v));
    assert.equal(v.key_id, parent.id);
    assert.equal(v.actor_id, 'svc-a');
    assert.deepEqual(v.scopes, ['read', 'write']);
    assert.deepEqual(v.metadata, { team: 'payments' });
    assert.equal(v.expire_time, new Date(T0 + 7_200_000).toISOString());
    const [a, b, c] = await batch([token, parent.secret, `${token.slice(0, -4)}AAAA`]);
    assert.equal(a.is_valid, true);
    assert.deepEqual(a.scopes, ['read', 'write']);
    assert.equal(b.is_valid, true, 'the parent key in the same batch');
    expectInvalid(c, 'VERIFICATION_ERROR_SIGNATURE_INVALID', 'signature bytes changed');
  });

  it('scope caveats narrow the returned scopes (intersection, also across several caveats)', async () => {
    const cases: [string[], string[]][] = [
      [['scope ⊆ {read}'], ['read']],
      [['scopes in read,admin'], ['read']],
      [['scope ⊆ {read, write}', 'scope ⊆ {write, admin}'], ['write']],
      [['scope ⊆ {admin}'], []],
    ];
    for (const [caveats, scopes] of cases) {
      const narrowed = attenuateMacaroon(token, caveats);
      const v = await verify(narrowed);
      assert.equal(v.is_valid, true, JSON.stringify(v));
      assert.deepEqual(v.scopes, scopes, caveats.join(' ∧ '));
      assert.deepEqual((await batch([narrowed]))[0].scopes, scopes, `batch: ${caveats.join(' ∧ ')}`);
    }
  });

  it('exp caveat narrows the expiry; once passed (+ skew) → EXPIRED while the original stays valid', async () => {
    const tok = await deriveOk({ credential: parent.secret, ttl: '2h' });
    const rfc = attenuateMacaroon(tok.token, [`exp < ${new Date(clock.now() + 600_000).toISOString()}`]);
    const unix = attenuateMacaroon(tok.token, [{ kind: 'exp', before: clock.now() + 600_000 }]);
    const later = attenuateMacaroon(tok.token, [`exp < ${Math.floor(clock.now() / 1000) + 86_400}`]);
    for (const narrowed of [rfc, unix]) assert.equal((await verify(narrowed)).expire_time, new Date(clock.now() + 600_000).toISOString());
    assert.equal((await verify(later)).expire_time, tok.expire_time, 'a later exp caveat cannot extend the token');
    clock.advance(600_000 + SKEW - 1_000);
    assert.equal((await verify(rfc)).is_valid, true, 'within the clock skew');
    clock.advance(2_000);
    expectInvalid(await verify(rfc), 'VERIFICATION_ERROR_EXPIRED', 'rfc3339');
    expectInvalid((await batch([unix]))[0], 'VERIFICATION_ERROR_EXPIRED', 'unix seconds, batch');
    assert.equal((await verify(tok.token)).is_valid, true, 'the unattenuated token');
    assert.equal((await verify(later)).is_valid, true);
  });

  it('cidr caveats restrict the client address, ANDed with the sealed acl of the parent', async () => {
    const open = attenuateMacaroon(token, ['cidr ⊆ {10.0.0.0/8, 2001:db8::/32}']);
    expectInvalid(await verify(open, '127.0.0.1'), 'VERIFICATION_ERROR_IP_NOT_ALLOWED', 'outside');
    assert.equal((await verify(open, '10.1.2.3')).is_valid, true);
    assert.equal((await verify(open, '::ffff:10.1.2.3')).is_valid, true, 'IPv4-mapped');
    assert.equal((await verify(open, '2001:db8::7')).is_valid, true);
    expectInvalid((await batch([open], '192.0.2.1'))[0], 'VERIFICATION_ERROR_IP_NOT_ALLOWED', 'batch outside');

    const restricted = await issue({ ip_restriction: { allowed_cidrs: ['10.0.0.0/8'] } });
    const sealed = (await deriveOk({ credential: restricted.secret })).token;
    const inner = attenuateMacaroon(sealed, ['cidr in 10.5.0.0/16']);
    assert.equal((await verify(inner, '10.5.1.1')).is_valid, true);
    expectInvalid(await verify(inner, '10.6.1.1'), 'VERIFICATION_ERROR_IP_NOT_ALLOWED', 'in the acl, not in the caveat');
    const wider = attenuateMacaroon(sealed, ['cidr ⊆ {0.0.0.0/0}']);
    expectInvalid(await verify(wider, '192.0.2.1'), 'VERIFICATION_ERROR_IP_NOT_ALLOWED', 'a wider caveat cannot widen the acl');
    const disjoint = attenuateMacaroon(sealed, ['cidr ⊆ {192.168.0.0/16}']);
    for (const ip of ['10.1.1.1', '192.168.1.1']) expectInvalid(await verify(disjoint, ip), 'VERIFICATION_ERROR_IP_NOT_ALLOWED', `disjoint from ${ip}`);
  });

  it('custom-claim caveats must hold; a mismatch or a missing claim → SIGNATURE_INVALID', async () => {
    for (const ok of ['tenant = "acme"', 'tenant = acme', 'tier = 3']) assert.equal((await verify(attenuateMacaroon(token, [ok]))).is_valid, true, ok);
    for (const bad of ['tenant = "other"', 'tier = "3"', 'region = eu'])
      expectInvalid(await verify(attenuateMacaroon(token, [bad])), 'VERIFICATION_ERROR_SIGNATURE_INVALID', bad);
  });

  it('every kind at once, 10 caveats deep, verifies on the server; removing or reordering one breaks it', async () => {
    const caveats = [
      'scope ⊆ {read, write}',
      `exp < ${Math.floor(clock.now() / 1000) + 1800}`,
      'tenant = "acme"',
      'cidr ⊆ {127.0.0.0/8}',
      'scopes in read',
      'tier = 3',
      'cidr in 127.0.0.1',
      `exp < ${Math.floor(clock.now() / 1000) + 3600}`,
      'scope ⊆ {read, admin}',
      'tenant = acme',
    ];
    const deep = attenuateMacaroon(token, caveats);
    const v = await verify(deep);
    assert.equal(v.is_valid, true, JSON.stringify(v));
    assert.deepEqual(v.scopes, ['read']);
    assert.equal(v.expire_time, new Date((Math.floor(clock.now() / 1000) + 1800) * 1000).toISOString());
    const forged = [
      rebuild(deep, (m) => ({ ...m, caveats: m.caveats.filter((_, i) => i !== 5) })),
      rebuild(deep, (m) => ({ ...m, caveats: m.caveats.slice(0, -1) })),
      rebuild(deep, (m) => ({ ...m, caveats: [m.caveats[0], m.caveats[2], m.caveats[1], ...m.caveats.slice(3)] })),
      rebuild(deep, (m) => ({
        ...m,
        caveats: [{ id: encodeClaimsCaveat({ ...decodeClaimsCaveat(m.caveats[0].id), scp: ['admin'] }) }, ...m.caveats.slice(1)],
      })),
    ];
    for (const [i, f] of forged.entries()) expectInvalid(await verify(f), 'VERIFICATION_ERROR_SIGNATURE_INVALID', `forgery ${i}`);
  });

  it('caveats outside the language fail closed (SIGNATURE_INVALID), even when correctly chained', async () => {
    const raw = [
      appendRaw(token, Buffer.from('magic')),
      appendRaw(token, Buffer.from('role > admin')),
      appendRaw(token, Buffer.from('sub = "someone-else"')),
      appendRaw(token, encodeClaimsCaveat({ scp: ['admin'] })),
      appendRaw(token, Buffer.from([0xc3, 0x28])),
      appendRaw(token, Buffer.from('scope ⊆ {read}'), { vid: Buffer.alloc(40) }),
    ];
    for (const [i, r] of raw.entries()) {
      expectInvalid(await verify(r), 'VERIFICATION_ERROR_SIGNATURE_INVALID', `raw caveat ${i}`);
      expectInvalid((await batch([r]))[0], 'VERIFICATION_ERROR_SIGNATURE_INVALID', `raw caveat ${i}, batch`);
    }
    // 33 holder caveats (more than attenuateMacaroon allows) are refused by the decoder itself.
    let many = attenuateMacaroon(
      token,
      Array.from({ length: 32 }, () => 'scope in read'),
    );
    assert.equal((await verify(many)).is_valid, true, '32 holder caveats');
    many = appendRaw(many, Buffer.from('scope in read'));
    expectInvalid(await verify(many), 'VERIFICATION_ERROR_INVALID_FORMAT', '33 holder caveats');
  });

  it('malformed bodies → INVALID_FORMAT (like a JWT that does not decode); never an error response', async () => {
    const body = token.slice('mc_v1_'.length);
    const cases = [
      'mc_v1_',
      'mc_v1_AAAA',
      `mc_v1_${body.slice(0, -10)}`,
      `mc_v1_${body}==`,
      `mc_v1_${body}%00`,
      `mc_v1_${'A'.repeat(8180)}`,
      'mc_v1_\u0000\r\n',
    ];
    for (const c of cases) expectInvalid(await verify(c), 'VERIFICATION_ERROR_INVALID_FORMAT', c.slice(0, 24));
    for (const r of await batch(cases)) assert.equal(r.error_code, 'VERIFICATION_ERROR_INVALID_FORMAT');
  });

  it('a macaroon of another project → NOT_FOUND here (no key_id); valid in its own project', async () => {
    const b = await createProject(t, 'mac-other');
    const parentB = await issue({}, b.token);
    const tokB = await deriveOk({ credential: parentB.secret }, b.token);
    const v = await verify(tokB.token);
    expectInvalid(v, 'VERIFICATION_ERROR_NOT_FOUND', 'foreign');
    assert.equal(v.key_id, undefined);
    assert.equal((await verify(tokB.token, '127.0.0.1', b.token)).is_valid, true);
    // Rewriting nid to this project breaks the signature (B's root key is not ours).
    const moved = rebuild(tokB.token, (m) => ({ ...m, caveats: [{ id: encodeClaimsCaveat({ ...decodeClaimsCaveat(m.caveats[0].id), nid: projectId }) }] }));
    expectInvalid(await verify(moved), 'VERIFICATION_ERROR_SIGNATURE_INVALID', 'nid rewritten');
  });

  it('expired (frozen clock): past exp + clock skew → EXPIRED; within the skew still valid', async () => {
    const tok = await deriveOk({ credential: parent.secret, ttl: '60s' });
    clock.advance(60_000 + SKEW - 1_000);
    assert.equal((await verify(tok.token)).is_valid, true);
    clock.advance(2_000);
    expectInvalid(await verify(tok.token), 'VERIFICATION_ERROR_EXPIRED', 'expired');
    expectInvalid((await batch([tok.token]))[0], 'VERIFICATION_ERROR_EXPIRED', 'expired, batch');
  });

  it('derive checks: too large for a macaroon → 400; a macaroon is no derive parent (401); self-revoke → 400', async () => {
    const big = await issue({ metadata: { blob: 'm'.repeat(4000) } });
    expectError(await derive({ credential: big.secret, custom_claims: { blob: 'c'.repeat(4000) } }), 400, 'INVALID_ARGUMENT', 'over 8192 characters');
    expectError(await derive({ credential: token }), 401, 'PARENT_KEY_INVALID', 'macaroon as parent');
    const sr = await t.app.api.inject({
      method: 'POST',
      url: '/v2alpha1/apiKeys:selfRevoke',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ credential: token }),
    });
    expectError(sr, 400, 'DERIVED_TOKEN_NOT_REVOCABLE', 'self-revoke');
    assert.equal((await verify(token)).is_valid, true, 'still valid');
  });

  it('macaroon prefix change: the retired prefix keeps verifying, new tokens use the new one', async () => {
    const proj = await createProject(t, 'mac-prefix');
    const p = await issue({}, proj.token);
    const old = await deriveOk({ credential: p.secret }, proj.token);
    const r = await t.op('PATCH', `/operator/v1/projects/${proj.id}/config`, { derived_tokens: { macaroon_prefix: { current: 'mk', retired: ['mc'] } } });
    assert.equal(r.statusCode, 200, r.body);
    const fresh = await derive({ credential: p.secret }, proj.token);
    assert.equal(fresh.statusCode, 200, fresh.body);
    assert.match(fresh.json().token.token, /^mk_v1_/);
    assert.equal((await verify(fresh.json().token.token, '127.0.0.1', proj.token)).is_valid, true);
    assert.equal((await verify(old.token, '127.0.0.1', proj.token)).is_valid, true, 'retired prefix');
    assert.equal((await verify(attenuateMacaroon(old.token, ['scope in x']), '127.0.0.1', proj.token)).is_valid, true);
  });

  it('HMAC-secret rotation: old macaroons verify while the retired secret lives, and fail once it expires', async () => {
    const proj = await createProject(t, 'mac-hmac');
    const p = await issue({}, proj.token);
    const before = await deriveOk({ credential: p.secret, ttl: '3h' }, proj.token);
    const r = await t.op('POST', `/operator/v1/projects/${proj.id}/hmacSecrets:rotate`, { retired_ttl: '1h' });
    assert.equal(r.statusCode, 200, r.body);
    const fresh = await deriveOk({ credential: p.secret, ttl: '3h' }, proj.token);
    const attenuatedOld = attenuateMacaroon(before.token, ['scope in nothing-else']);
    for (const tok of [before.token, fresh.token, attenuatedOld]) assert.equal((await verify(tok, '127.0.0.1', proj.token)).is_valid, true);
    clock.advance(3_600_000 + 1_000);
    for (const tok of [before.token, attenuatedOld])
      expectInvalid(await verify(tok, '127.0.0.1', proj.token), 'VERIFICATION_ERROR_SIGNATURE_INVALID', 'retired secret expired');
    assert.equal((await verify(fresh.token, '127.0.0.1', proj.token)).is_valid, true, 'signed under the current secret');
  });

  it('nothing derived or verified here reaches the log', () => {
    const text = t.logs.text();
    assert.equal(text.includes(token.slice(6, 60)), false);
    assert.equal(text.includes(parent.secret), false);
  });
});

describe('derived macaroons through the Ory SDK (@ory/client-fetch ApiKeysApi)', () => {
  let t: TestApp;
  let api: ApiKeysApi;
  before(async () => {
    t = await createTestApp();
    await t.app.api.listen({ port: 0, host: '127.0.0.1' });
    api = new ApiKeysApi(new Configuration({ basePath: `http://127.0.0.1:${(t.app.api.server.address() as AddressInfo).port}`, accessToken: t.token }));
  });
  after(() => t.close());

  it('adminDeriveToken with TOKEN_ALGORITHM_MACAROON; adminVerifyApiKey and adminBatchVerifyApiKeys accept it and its attenuation', async () => {
    const issued = await api.adminIssueApiKey({ issueApiKeyRequest: { name: 'sdk-parent', scopes: ['read', 'write'], ttl: '24h' } });
    const res = await api.adminDeriveToken({ deriveTokenRequest: { credential: issued.secret!, algorithm: 'TOKEN_ALGORITHM_MACAROON', ttl: '600s' } });
    const tok = res.token!;
    assert.match(tok.token!, MACAROON_SHAPE);
    assert.ok(tok.expire_time instanceof Date && Math.abs(tok.expire_time.getTime() - Date.now() - 600_000) < 5_000);
    assert.deepEqual(tok.scopes, ['read', 'write']);
    const v = await api.adminVerifyApiKey({ verifyApiKeyRequest: { credential: tok.token! } });
    assert.equal(v.is_valid, true);
    assert.equal(v.key_id, issued.issued_api_key!.key_id);
    const narrowed = attenuateMacaroon(tok.token!, ['scope ⊆ {write}']);
    const b = await api.adminBatchVerifyApiKeys({ batchVerifyApiKeysRequest: { requests: [{ credential: narrowed }, { credential: `${narrowed}x` }] } });
    assert.equal(b.results![0].is_valid, true);
    assert.deepEqual(b.results![0].scopes, ['write']);
    assert.equal(b.results![1].is_valid, false);
  });
});

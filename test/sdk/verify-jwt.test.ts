import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type JwtErrorCode, JwtVerificationError, KeysmithClient, type VerifyJwtOptions, verifyJwt } from '../../packages/sdk/src/index.js';
import { FrozenClock } from '../../src/shared/clock.js';
import { createProject } from '../helpers/operator.js';
import { countingFetch, type ListeningApp, startListeningApp } from './listening-app.js';

// verifyJwt against a real Keysmith: its JWKS on a real port, its derived tokens, a frozen clock
// shared by server and SDK so expiry and cache lifetimes are exact.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const ISSUER = 'http://localhost:4420';

async function failsWith(p: Promise<unknown>, code: JwtErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof JwtVerificationError, String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('sdk verifyJwt', () => {
  let s: ListeningApp;
  let client: KeysmithClient;
  const clock = new FrozenClock(T0);
  let projectId = '';
  let wellKnown = '';
  before(async () => {
    s = await startListeningApp({ clock });
    client = new KeysmithClient({ endpoint: s.base, token: s.t.token });
    projectId = s.t.app.bootstrap.projectId;
    wellKnown = `${s.base}/.well-known/jwks.json`;
  });
  after(() => s.close());

  /** Each call gets its own counting fetch, hence its own JWKS cache. */
  const opts = (extra: Partial<VerifyJwtOptions> = {}): VerifyJwtOptions => ({
    jwksUrl: wellKnown,
    issuer: ISSUER,
    fetch: countingFetch().fetch,
    now: () => clock.now(),
    ...extra,
  });
  const derive = async (parent: Record<string, unknown> = {}, body: Record<string, unknown> = {}, c = client) => {
    const issued = await c.issuedKeys.issue({ name: 'parent', actor_id: 'agent-7', scopes: ['read', 'write'], metadata: { team: 'ops' }, ...parent });
    return (await c.derive({ credential: issued.secret!, ...body })).token.token;
  };

  it('happy path: typed claims, project check, both JWKS endpoints', async () => {
    const token = await derive({}, { scopes: ['read'], custom_claims: { tenant: 'acme' } });
    const claims = await verifyJwt(token, opts({ projectId }));
    assert.equal(claims.act, 'agent-7');
    assert.deepEqual(claims.scp, ['read']);
    assert.deepEqual(claims.meta, { team: 'ops' });
    assert.equal(claims.nid, projectId);
    assert.equal(claims.vis, 'secret');
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.tenant, 'acme');
    assert.equal(claims.acl, undefined);
    const talos = await verifyJwt(token, opts({ jwksUrl: `${s.base}/v2alpha1/derivedKeys/jwks.json`, issuer: ['https://old.example', ISSUER] }));
    assert.equal(talos.sub, claims.sub);
  });

  it('refusals map to stable codes', async () => {
    const token = await derive();
    const [h, p, sig] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, scp: ['admin'] })).toString('base64url');
    const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    const cases: [string, () => Promise<unknown>, JwtErrorCode][] = [
      ['payload tampered', () => verifyJwt(`${h}.${forged}.${sig}`, opts()), 'signature_invalid'],
      ['signature tampered', () => verifyJwt(`${h}.${p}.${flipped}`, opts()), 'signature_invalid'],
      ['alg none', () => verifyJwt(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`, opts()), 'malformed'],
      ['HS256 header', () => verifyJwt(`${Buffer.from('{"alg":"HS256","kid":"x"}').toString('base64url')}.${p}.${sig}`, opts()), 'signature_invalid'],
      ['not a JWT', () => verifyJwt('ks_ak_v1_abc_def', opts()), 'malformed'],
      ['garbage header', () => verifyJwt('eyJnotjson.e30.AAAA', opts()), 'malformed'],
      ['64 KB', () => verifyJwt(`eyJ${'A'.repeat(65_536)}.e30.AAAA`, opts()), 'malformed'],
      ['wrong issuer', () => verifyJwt(token, opts({ issuer: 'https://evil.example' })), 'wrong_issuer'],
      ['wrong audience', () => verifyJwt(token, opts({ audience: 'svc' })), 'wrong_audience'],
      ['other project id', () => verifyJwt(token, opts({ projectId: '00000000-0000-4000-8000-000000000000' })), 'wrong_project'],
      ['expired', () => verifyJwt(token, opts({ now: () => T0 + 3_600_000 + 31_000 })), 'expired'],
      ['not yet valid', () => verifyJwt(token, opts({ now: () => T0 - 31_000 })), 'not_yet_valid'],
      ['no JWKS server', () => verifyJwt(token, opts({ jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json' })), 'jwks_unavailable'],
    ];
    for (const [name, run, code] of cases) await failsWith(run(), code).catch((e) => assert.fail(`${name}: ${e.message}`));
    // Within the tolerance both edges still pass; clockToleranceSec moves them.
    await verifyJwt(token, opts({ now: () => T0 + 3_600_000 + 29_000 }));
    await verifyJwt(token, opts({ now: () => T0 - 29_000 }));
    await failsWith(verifyJwt(token, opts({ now: () => T0 + 3_600_000 + 1_000, clockToleranceSec: 0 })), 'expired');
  });

  it('expired by a short TTL on the shared clock', async () => {
    const token = await derive({}, { ttl: '2s' });
    await verifyJwt(token, opts({ clockToleranceSec: 0 }));
    const later = T0 + 2_000;
    await failsWith(verifyJwt(token, opts({ clockToleranceSec: 0, now: () => later })), 'expired');
  });

  it('a token of another project: wrong_project by nid, and no key in this project’s JWKS', async () => {
    const other = await createProject(s.t, 'sdk-jwt-other');
    const otherClient = new KeysmithClient({ endpoint: s.base, token: other.token });
    const token = await derive({}, {}, otherClient);
    const ownUrl = `${s.base}/projects/${other.slug}/.well-known/jwks.json`;
    assert.equal((await verifyJwt(token, opts({ jwksUrl: ownUrl, projectId: other.id }))).nid, other.id);
    await failsWith(verifyJwt(token, opts({ jwksUrl: ownUrl, projectId })), 'wrong_project');
    await failsWith(verifyJwt(token, opts({ projectId })), 'signature_invalid');
  });

  it('acl: the client IP must be inside the parent key’s CIDRs (fail closed when unknown)', async () => {
    const token = await derive({ ip_restriction: { allowed_cidrs: ['10.0.0.0/8', '2001:db8::/32'] } });
    for (const ip of ['10.1.2.3', '::ffff:10.9.9.9', '2001:db8::1'])
      assert.deepEqual((await verifyJwt(token, opts({ clientIp: ip }))).acl, ['10.0.0.0/8', '2001:db8::/32']);
    for (const ip of ['192.168.0.1', '11.0.0.1', '2001:db9::1', 'not-an-ip', '', null, undefined])
      await failsWith(verifyJwt(token, opts({ clientIp: ip })), 'ip_not_allowed');
    await verifyJwt(token, opts({ enforceAcl: false }));
  });
});

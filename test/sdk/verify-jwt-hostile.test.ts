import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { JwksCache, type JwtErrorCode, JwtVerificationError, type VerifyJwtOptions, verifyJwt } from '../../packages/sdk/src/index.js';
import { b64, newSigner, rawSign, type Signer, signCompact, startJwksServer } from './local-jws.js';

// verifyJwt against hostile tokens. The keys are ours (so every hostile token can be validly signed
// except for the one property under test), the JWKS is served over real HTTP, the crypto is real.
// Each case asserts the error code; the well-formed controls at the top prove the same setup passes.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const NOW = T0 / 1000;
const ISSUER = 'https://keys.test.example';
const PROJECT = '6f1c2a9e-0000-4000-8000-00000000000a';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const claims = (extra: Record<string, unknown> = {}) => ({
  jti: randomUUID(),
  sub: randomUUID(),
  iss: ISSUER,
  iat: NOW,
  nbf: NOW,
  exp: NOW + 3600,
  act: 'agent',
  scp: ['read'],
  meta: { team: 'ops' },
  nid: PROJECT,
  vis: 'secret',
  ...extra,
});
const hdr = (s: Pick<Signer, 'alg' | 'kid'>, extra: Record<string, unknown> = {}) => ({ alg: s.alg, kid: s.kid, typ: 'JWT', ...extra });
const without = (o: Record<string, unknown>, k: string) => Object.fromEntries(Object.entries(o).filter(([n]) => n !== k));

async function failsWith(p: Promise<unknown>, code: JwtErrorCode, name: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof JwtVerificationError, `${name}: ${String(e)}`);
    assert.equal(e.code, code, `${name}: ${e.message}`);
    return true;
  });
}

describe('sdk verifyJwt: hostile tokens', () => {
  const ed = newSigner('EdDSA');
  const es = newSigner('ES256');
  const rs = newSigner('RS256');
  const noAlg = newSigner('EdDSA');
  // Published but unusable: each must refuse even a token its own private key signed.
  const weakRs = newSigner('RS256', { modulusLength: 1024 });
  const mislabelled = newSigner('EdDSA');
  const withPrivate = newSigner('EdDSA');
  const encUse = newSigner('EdDSA');
  const signOnlyOps = newSigner('EdDSA');
  // Not published: the attacker's keys.
  const atkEd = newSigner('EdDSA');
  const atkEs = newSigner('ES256');
  const atkRs = newSigner('RS256');
  let published: Record<string, unknown>[] = [];
  let server: Awaited<ReturnType<typeof startJwksServer>>;
  let attackerServer: Awaited<ReturnType<typeof startJwksServer>>;
  let clockMs = T0;
  const now = () => clockMs;

  before(async () => {
    published = [
      ed.jwk,
      es.jwk,
      rs.jwk,
      without(noAlg.jwk, 'alg'),
      weakRs.jwk,
      { ...mislabelled.jwk, alg: 'RS256' },
      { ...withPrivate.privateKey.export({ format: 'jwk' }), kid: withPrivate.kid, alg: 'EdDSA', use: 'sig' },
      { ...encUse.jwk, use: 'enc' },
      { ...signOnlyOps.jwk, key_ops: ['sign'] },
    ];
    server = await startJwksServer(() => published);
    attackerServer = await startJwksServer(() => [atkEd.jwk]);
  });
  after(async () => {
    await server.close();
    await attackerServer.close();
  });

  const opts = (extra: Partial<VerifyJwtOptions> = {}): VerifyJwtOptions => ({
    jwks: new JwksCache(server.url, { now, verifiedTokens: 0 }),
    issuer: ISSUER,
    now,
    ...extra,
  });

  it('controls: each published algorithm verifies, and a JWK without alg is implied by its kty/crv', async () => {
    for (const s of [ed, es, rs, { ...noAlg, alg: 'EdDSA' as const }]) {
      const c = await verifyJwt(signCompact(hdr(s), claims(), s), opts({ projectId: PROJECT }));
      assert.equal(c.nid, PROJECT, s.alg);
    }
  });

  it('a table of hostile tokens: each refused with its code', async () => {
    const good = signCompact(hdr(ed), claims(), ed);
    const [gh, gp, gs] = good.split('.');
    const other = signCompact(hdr(ed), claims(), ed);
    const signedAs = (
      h: Record<string, unknown>,
      p: Record<string, unknown>,
      as: Parameters<typeof rawSign>[0],
      key: Signer['privateKey'] | Buffer | string,
    ) => {
      const input = `${b64(h)}.${b64(p)}`;
      return `${input}.${rawSign(as, input, key).toString('base64url')}`;
    };
    const lastBits = (seg: string) => `${seg.slice(0, -1)}${B64URL[B64URL.indexOf(seg.at(-1)!) | 1]}`;
    // A header whose base64url needs padding, signed over the padded spelling.
    let padHeader = b64(hdr(ed));
    for (let i = 0; padHeader.length % 4 === 0; i++) padHeader = b64(hdr(ed, { x: 'y'.repeat(i) }));
    padHeader += '='.repeat(4 - (padHeader.length % 4));
    const paddedInput = `${padHeader}.${gp}`;
    const paddedHeaderToken = `${paddedInput}.${rawSign('EdDSA', paddedInput, ed.privateKey).toString('base64url')}`;

    const cases: [string, string, JwtErrorCode, Partial<VerifyJwtOptions>?][] = [
      // alg none and algorithm confusion
      ['alg none, empty signature', `${b64({ alg: 'none', kid: ed.kid })}.${gp}.`, 'malformed'],
      ['alg none with a signature', `${b64({ alg: 'none', kid: ed.kid })}.${gp}.${gs}`, 'signature_invalid'],
      ['alg NONE', `${b64({ alg: 'NONE', kid: ed.kid })}.${gp}.${gs}`, 'signature_invalid'],
      [
        'HS256 keyed with the Ed25519 public key bytes',
        signedAs(hdr({ alg: 'HS256' as never, kid: ed.kid }), claims(), 'HS256', Buffer.from(String(ed.jwk.x), 'base64url')),
        'signature_invalid',
      ],
      ['HS256 keyed with the JWK text', signedAs(hdr({ alg: 'HS256' as never, kid: ed.kid }), claims(), 'HS256', JSON.stringify(ed.jwk)), 'signature_invalid'],
      [
        'HS256 keyed with the RSA public PEM',
        signedAs(hdr({ alg: 'HS256' as never, kid: rs.kid }), claims(), 'HS256', rs.publicKey.export({ type: 'spki', format: 'pem' }) as string),
        'signature_invalid',
      ],
      ['RS256 header with the Ed25519 kid', signedAs(hdr({ alg: 'RS256', kid: ed.kid }), claims(), 'RS256', atkRs.privateKey), 'signature_invalid'],
      ['EdDSA header with the RSA kid', signedAs(hdr({ alg: 'EdDSA', kid: rs.kid }), claims(), 'EdDSA', atkEd.privateKey), 'signature_invalid'],
      ['ES256 header with the Ed25519 kid', signedAs(hdr({ alg: 'ES256', kid: ed.kid }), claims(), 'ES256', atkEs.privateKey), 'signature_invalid'],
      [
        'EdDSA header with the P-256 kid, signed by that key as ES256',
        signedAs(hdr({ alg: 'EdDSA', kid: es.kid }), claims(), 'ES256', es.privateKey),
        'signature_invalid',
      ],
      ['ES256 with a DER signature by the right key', signedAs(hdr(es), claims(), 'ES256-DER', es.privateKey), 'signature_invalid'],
      ['PS256 by the right RSA key', signedAs(hdr({ alg: 'PS256' as never, kid: rs.kid }), claims(), 'PS256', rs.privateKey), 'signature_invalid'],
      ['EdDSA token when only ES256 is allowed', good, 'signature_invalid', { algorithms: ['ES256'] }],
      ['alg "__proto__"', signedAs(hdr({ alg: '__proto__' as never, kid: ed.kid }), claims(), 'EdDSA', ed.privateKey), 'signature_invalid'],
      // crit and the header's own shape (all validly signed by the published key)
      ['crit ["exp"]', signCompact(hdr(ed, { crit: ['exp'], exp: NOW }), claims(), ed), 'malformed'],
      ['crit ["b64"] with b64 false', signCompact(hdr(ed, { crit: ['b64'], b64: false }), claims(), ed), 'malformed'],
      ['crit []', signCompact(hdr(ed, { crit: [] }), claims(), ed), 'malformed'],
      ['no kid', signCompact(without(hdr(ed), 'kid'), claims(), ed), 'malformed'],
      ['kid a number', signCompact(hdr(ed, { kid: 7 }), claims(), ed), 'malformed'],
      ['kid empty', signCompact(hdr(ed, { kid: '' }), claims(), ed), 'malformed'],
      ['no alg', signCompact(without(hdr(ed), 'alg'), claims(), ed), 'malformed'],
      ['alg an array', signCompact(hdr(ed, { alg: ['EdDSA'] }), claims(), ed), 'malformed'],
      ['header a JSON array', signCompact({ raw: JSON.stringify([hdr(ed)]) }, claims(), ed), 'malformed'],
      ['header not JSON', signCompact({ raw: '{alg:EdDSA}' }, claims(), ed), 'malformed'],
      ['header not UTF-8', signCompact({ raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }, claims(), ed), 'malformed'],
      ['header over 1 KB', signCompact(hdr(ed, { x5u: `https://x.example/${'a'.repeat(1_100)}` }), claims(), ed), 'malformed'],
      // segments and encoding
      ['four segments', `${good}.${gs}`, 'malformed'],
      ['five segments (JWE shape)', `${gh}.${gp}.${gp}.${gp}.${gs}`, 'malformed'],
      ['two segments', `${gh}.${gp}`, 'malformed'],
      ['empty payload segment', `${gh}..${gs}`, 'malformed'],
      ['padding on the signature', `${good}==`, 'malformed'],
      ['padding on the header (signed over the padded header)', paddedHeaderToken, 'malformed'],
      ['standard base64 "+"', `${gh}.${gp.slice(0, -1)}+.${gs}`, 'malformed'],
      ['standard base64 "/"', `${gh}.${gp}.${gs.slice(0, -1)}/`, 'malformed'],
      ['trailing newline', `${good}\n`, 'malformed'],
      ['leading space', ` ${good}`, 'malformed'],
      ['space inside', `${gh}.${gp} .${gs}`, 'malformed'],
      ['NUL', `${good}\0`, 'malformed'],
      ['non-ASCII', `${gh}.${gp}é.${gs}`, 'malformed'],
      ['non-canonical signature spelling (unused bits set)', `${gh}.${gp}.${lastBits(gs)}`, 'malformed'],
      ['a 1 MB token', `${gh}.${'A'.repeat(1 << 20)}.${gs}`, 'malformed'],
      ['not a string', 42 as unknown as string, 'malformed'],
      // signatures that do not belong
      ['signature of another token', `${gh}.${gp}.${other.split('.')[2]}`, 'signature_invalid'],
      ['payload tampered after signing', `${gh}.${b64({ ...JSON.parse(Buffer.from(gp, 'base64url').toString()), scp: ['admin'] })}.${gs}`, 'signature_invalid'],
      ['header tampered after signing', `${b64(hdr(ed, { typ: 'at+jwt' }))}.${gp}.${gs}`, 'signature_invalid'],
      ['signature truncated to 63 bytes', `${gh}.${gp}.${Buffer.from(gs, 'base64url').subarray(0, 63).toString('base64url')}`, 'signature_invalid'],
      ['signature of 65 bytes', `${gh}.${gp}.${Buffer.concat([Buffer.from(gs, 'base64url'), Buffer.from([0])]).toString('base64url')}`, 'signature_invalid'],
      ['all-zero signature', `${gh}.${gp}.${Buffer.alloc(64).toString('base64url')}`, 'signature_invalid'],
      ['invalid signature over a payload that is not JSON (not parsed before the signature)', `${gh}.${b64('not json')}.${gs}`, 'signature_invalid'],
      // keys: only the configured JWKS, chosen by kid
      ['kid unknown', signCompact(hdr(atkEd), claims(), atkEd), 'signature_invalid'],
      ['embedded jwk header with the published kid', signCompact(hdr({ alg: 'EdDSA', kid: ed.kid }, { jwk: atkEd.jwk }), claims(), atkEd), 'signature_invalid'],
      ['jku header pointing at the attacker’s JWKS', signCompact(hdr(atkEd, { jku: attackerServer.url }), claims(), atkEd), 'signature_invalid'],
      ['RSA key under 2048 bits', signCompact(hdr(weakRs), claims(), weakRs), 'signature_invalid'],
      ['JWK alg RS256 on an Ed25519 key, EdDSA header', signCompact(hdr(mislabelled), claims(), mislabelled), 'signature_invalid'],
      [
        'JWK alg RS256 on an Ed25519 key, RS256 header',
        signedAs(hdr({ alg: 'RS256', kid: mislabelled.kid }), claims(), 'EdDSA', mislabelled.privateKey),
        'signature_invalid',
      ],
      ['JWK with a private member', signCompact(hdr(withPrivate), claims(), withPrivate), 'signature_invalid'],
      ['JWK with use "enc"', signCompact(hdr(encUse), claims(), encUse), 'signature_invalid'],
      ['JWK with key_ops ["sign"]', signCompact(hdr(signOnlyOps), claims(), signOnlyOps), 'signature_invalid'],
      // claims, validly signed: checked only after the signature, codes as before
      ['claims a JSON array', signCompact(hdr(ed), { raw: '[1,2]' }, ed), 'malformed'],
      ['claims not JSON', signCompact(hdr(ed), { raw: 'exp=1' }, ed), 'malformed'],
      ['claims not UTF-8', signCompact(hdr(ed), { raw: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) }, ed), 'malformed'],
      ['no nid', signCompact(hdr(ed), without(claims(), 'nid'), ed), 'malformed'],
      ['no iss', signCompact(hdr(ed), without(claims(), 'iss'), ed), 'malformed'],
      ['exp a string', signCompact(hdr(ed), claims({ exp: String(NOW + 3600) }), ed), 'malformed'],
      ['exp 1e400 (Infinity)', signCompact(hdr(ed), { raw: JSON.stringify(claims()).replace(/"exp":\d+/, '"exp":1e400') }, ed), 'malformed'],
      ['wrong issuer', signCompact(hdr(ed), claims({ iss: 'https://evil.example' }), ed), 'wrong_issuer'],
      ['no aud when one is required', good, 'wrong_audience', { audience: 'svc' }],
      ['expired', signCompact(hdr(ed), claims({ exp: NOW - 31 }), ed), 'expired'],
      ['not yet valid', signCompact(hdr(ed), claims({ nbf: NOW + 31 }), ed), 'not_yet_valid'],
      ['another project', good, 'wrong_project', { projectId: randomUUID() }],
    ];
    const before = attackerServer.count();
    for (const [name, token, code, extra] of cases) await failsWith(verifyJwt(token, opts(extra)), code, name);
    assert.equal(attackerServer.count(), before, 'a jku header is never followed');
    await verifyJwt(good, opts()); // the token every case was cut from still verifies
  });

  it('refused by jose too: the unusable published keys and the confusions (same verdict, independent code)', async () => {
    const set = createLocalJWKSet({ keys: published as never });
    const tokens = [
      signCompact(hdr(weakRs), claims(), weakRs),
      signCompact(hdr(mislabelled), claims(), mislabelled),
      signCompact(hdr(withPrivate), claims(), withPrivate),
      signCompact(hdr(encUse), claims(), encUse),
      signCompact(hdr(signOnlyOps), claims(), signOnlyOps),
      signCompact(hdr({ alg: 'EdDSA', kid: es.kid }), claims(), es, 'ES256'),
    ];
    for (const [i, token] of tokens.entries()) {
      await assert.rejects(jwtVerify(token, set, { issuer: ISSUER, currentDate: new Date(T0) }), `jose accepts #${i}`);
      await failsWith(verifyJwt(token, opts()), 'signature_invalid', `#${i}`);
    }
    // Where we are deliberately stricter: jose accepts a signature whose unused base64url bits are set.
    const good = signCompact(hdr(ed), claims(), ed);
    const sig = good.split('.')[2];
    const loose = `${good.slice(0, -1)}${B64URL[B64URL.indexOf(sig.at(-1)!) | 1]}`;
    await jwtVerify(loose, set, { issuer: ISSUER, currentDate: new Date(T0) });
    await failsWith(verifyJwt(loose, opts()), 'malformed', 'non-canonical');
  });

  it('__proto__ in the claims never reaches the returned object or Object.prototype', async () => {
    const base = JSON.stringify(claims());
    for (const spelling of ['"__proto__"', '"\\u005f_proto__"']) {
      const raw = `${base.slice(0, -1)},${spelling}:{"polluted":true},"meta":{${spelling}:{"polluted":true},"team":"ops"}}`;
      const c = await verifyJwt(signCompact(hdr(ed), { raw }, ed), opts());
      assert.equal(Object.hasOwn(c, '__proto__'), false, spelling);
      assert.equal(Object.hasOwn(c.meta, '__proto__'), false, spelling);
      assert.equal(Object.getPrototypeOf(c), Object.prototype);
      assert.deepEqual(c.meta, { team: 'ops' });
      const copy: Record<string, unknown> = Object.assign({}, c, { meta: Object.assign({}, c.meta) });
      assert.equal(copy.polluted, undefined);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    }
  });

  it('unknown kid: one refetch per cooldown; a key removed from the set stops verifying once the set is refreshed', async () => {
    const jwks = new JwksCache(server.url, { now, cooldownSec: 10 });
    const token = signCompact(hdr(ed), claims({ exp: NOW + 7200 }), ed);
    const start = server.count();
    await verifyJwt(token, { jwks, issuer: ISSUER, now });
    for (let i = 0; i < 20; i++)
      await failsWith(verifyJwt(signCompact(hdr(atkEd), claims(), atkEd), { jwks, issuer: ISSUER, now }), 'signature_invalid', 'unknown kid');
    assert.equal(server.count() - start, 1, 'no refetch inside the cooldown');
    clockMs += 10_000;
    await failsWith(
      verifyJwt(signCompact(hdr({ alg: 'EdDSA', kid: randomUUID() }), claims(), atkEd), { jwks, issuer: ISSUER, now }),
      'signature_invalid',
      'unknown kid',
    );
    assert.equal(server.count() - start, 2, 'one refetch after the cooldown');

    published = published.filter((k) => k.kid !== ed.kid); // the signing key is revoked
    await verifyJwt(token, { jwks, issuer: ISSUER, now }); // the cached set (and its remembered token) still has it
    clockMs += 61_000; // past max-age: the refreshed set lacks the kid, and the refetch-once finds nothing either
    await failsWith(verifyJwt(token, { jwks, issuer: ISSUER, now }), 'signature_invalid', 'revoked kid');
    assert.equal(server.count() - start, 3);
    published.push(ed.jwk);
  });
});

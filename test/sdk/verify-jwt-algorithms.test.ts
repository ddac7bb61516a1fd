import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { JwksCache, type JwtErrorCode, JwtVerificationError, KeysmithClient, verifyJwt } from '../../packages/sdk/src/index.js';
import { FrozenClock } from '../../src/shared/clock.js';
import { createProject } from '../helpers/operator.js';
import { b64, newSigner, rawSign } from './local-jws.js';
import { countingFetch, type ListeningApp, startListeningApp } from './listening-app.js';

// Tokens Keysmith itself signs with each of its algorithms (the project's derived_tokens.jwt_algorithm
// set through the operator config API, then the signing key rotated) verify with the SDK and with
// jose alone; keys of one algorithm never verify tokens claiming another; a key revoked by rotation
// stops verifying once the SDK's cached set is refreshed.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const ISSUER = 'http://localhost:4420';
const PAST_SERVER_CACHE_AND_COOLDOWN_MS = 11_000; // the server caches its JWKS 5 s; the SDK's kid cooldown is 10 s

async function failsWith(p: Promise<unknown>, code: JwtErrorCode, name: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof JwtVerificationError, `${name}: ${String(e)}`);
    assert.equal(e.code, code, `${name}: ${e.message}`);
    return true;
  });
}

describe('sdk verifyJwt: EdDSA, ES256 and RS256 tokens from Keysmith', () => {
  let s: ListeningApp;
  const clock = new FrozenClock(T0);
  const now = () => clock.now();
  before(async () => {
    s = await startListeningApp({ clock });
  });
  after(() => s.close());

  it('each algorithm verifies (SDK and jose alone); no cross-algorithm use; a revoked key fails after refresh', async () => {
    const proj = await createProject(s.t, 'sdk-jwt-algs');
    const client = new KeysmithClient({ endpoint: s.base, token: proj.token });
    const parent = (await client.issuedKeys.issue({ name: 'p', actor_id: 'agent-9', scopes: ['read'] })).secret!;
    const derive = async () => (await client.derive({ credential: parent })).token.token;
    const url = `${s.base}/projects/${proj.slug}/.well-known/jwks.json`;
    const counter = countingFetch();
    const jwks = new JwksCache(url, { fetch: counter.fetch, now });
    const verify = (token: string) => verifyJwt(token, { jwks, issuer: ISSUER, projectId: proj.id, now });
    const useAlgorithm = async (alg: string, mode: 'graceful' | 'revoke') => {
      const patched = await s.t.op('PATCH', `/operator/v1/projects/${proj.id}/config`, { derived_tokens: { jwt_algorithm: alg } });
      assert.equal(patched.statusCode, 200, patched.body);
      const rotated = await s.t.op('POST', `/operator/v1/projects/${proj.id}/signingKeys:rotate`, { mode });
      assert.equal(rotated.statusCode, 200, rotated.body);
      clock.advance(PAST_SERVER_CACHE_AND_COOLDOWN_MS);
    };

    const tokens: Record<string, string> = { EdDSA: await derive() }; // a new project signs with Ed25519
    assert.equal((await verify(tokens.EdDSA)).act, 'agent-9');
    await useAlgorithm('ES256', 'graceful');
    tokens.ES256 = await derive();
    assert.equal((await verify(tokens.ES256)).act, 'agent-9', 'ES256 after a refetch on its new kid');
    const keptEs = new JwksCache(url, { fetch: counter.fetch, now }); // will hold the ES256 key until its max-age
    await verifyJwt(tokens.ES256, { jwks: keptEs, issuer: ISSUER, now });
    await useAlgorithm('RS256', 'revoke'); // the ES256 key is deleted; the retired EdDSA key stays
    tokens.RS256 = await derive();
    assert.equal((await verify(tokens.RS256)).act, 'agent-9');

    const kids: Record<string, string> = {};
    for (const [alg, token] of Object.entries(tokens)) {
      const h = decodeProtectedHeader(token);
      assert.equal(h.alg, alg, 'Keysmith signed with the configured algorithm');
      kids[alg] = String(h.kid);
    }
    const published = (await (await fetch(url)).json()) as JSONWebKeySet;
    assert.deepEqual(published.keys.map((k) => k.alg).sort(), ['EdDSA', 'RS256']);
    const joseSet = createLocalJWKSet(published);
    for (const alg of ['EdDSA', 'RS256']) {
      const { payload } = await jwtVerify(tokens[alg], joseSet, { issuer: ISSUER, currentDate: new Date(clock.now()) });
      assert.deepEqual(await verify(tokens[alg]), payload, `${alg}: the same claims as jose`);
    }

    // The published keys only verify tokens of their own algorithm, whatever the header claims.
    const edX = Buffer.from(String(published.keys.find((k) => k.kid === kids.EdDSA)?.x), 'base64url');
    const [, p] = tokens.RS256.split('.');
    const forge = (header: Record<string, unknown>, as: Parameters<typeof rawSign>[0], key: Parameters<typeof rawSign>[2]) =>
      `${b64(header)}.${p}.${rawSign(as, `${b64(header)}.${p}`, key).toString('base64url')}`;
    const attacker = { EdDSA: newSigner('EdDSA'), ES256: newSigner('ES256'), RS256: newSigner('RS256') };
    const confusions: [string, string][] = [
      ['RS256 header, Ed25519 kid', forge({ alg: 'RS256', kid: kids.EdDSA }, 'RS256', attacker.RS256.privateKey)],
      ['EdDSA header, RSA kid', forge({ alg: 'EdDSA', kid: kids.RS256 }, 'EdDSA', attacker.EdDSA.privateKey)],
      ['ES256 header, RSA kid', forge({ alg: 'ES256', kid: kids.RS256 }, 'ES256', attacker.ES256.privateKey)],
      ['HS256 keyed with the published Ed25519 key', forge({ alg: 'HS256', kid: kids.EdDSA }, 'HS256', edX)],
      ['HS256 keyed with the published RSA JWK', forge({ alg: 'HS256', kid: kids.RS256 }, 'HS256', JSON.stringify(published.keys[0]))],
      ['RS256 signature under the EdDSA header of the same payload', `${tokens.EdDSA.split('.')[0]}.${p}.${tokens.RS256.split('.')[2]}`],
    ];
    for (const [name, token] of confusions) {
      await failsWith(verify(token), 'signature_invalid', name);
      await assert.rejects(jwtVerify(token, joseSet, { issuer: ISSUER, currentDate: new Date(clock.now()) }), `jose: ${name}`);
    }

    // The revoked ES256 key: gone from a refreshed set (and the refetch-once on its kid finds nothing).
    await failsWith(verify(tokens.ES256), 'signature_invalid', 'revoked kid, refreshed set');
    await verifyJwt(tokens.ES256, { jwks: keptEs, issuer: ISSUER, now }); // a set fetched before the revoke, inside its max-age
    clock.advance(61_000);
    await failsWith(verifyJwt(tokens.ES256, { jwks: keptEs, issuer: ISSUER, now }), 'signature_invalid', 'revoked kid after max-age');
    await verifyJwt(tokens.EdDSA, { jwks: keptEs, issuer: ISSUER, now }); // a gracefully retired key still verifies
    await assert.rejects(
      jwtVerify(tokens.ES256, createLocalJWKSet((await (await fetch(url)).json()) as JSONWebKeySet), { issuer: ISSUER, currentDate: new Date(clock.now()) }),
      'jose: the revoked key is not published',
    );
  });
});

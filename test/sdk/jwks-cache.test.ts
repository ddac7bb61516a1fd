import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { JwksCache, JwtVerificationError, KeysmithClient, verifyJwt } from '../../packages/sdk/src/index.js';
import { FrozenClock } from '../../src/shared/clock.js';
import { createProject, type OperatorProject } from '../helpers/operator.js';
import { countingFetch, type ListeningApp, startListeningApp } from './listening-app.js';

// The JWKS cache against a real Keysmith: max-age from the server, one refetch on an unknown kid
// (after a real signing-key rotation), single-flight, a bounded number of fetches under a flood of
// random kids, and the stale set served while the JWKS server is down. Fetches are counted with a
// real fetch that counts; the "down" server is a real relay that stops listening.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const ISSUER = 'http://localhost:4420';
const SERVER_JWKS_CACHE_MS = 5_001; // the server caches its JWKS for 5 s (src/http/routes/public/jwks.ts)

/** Forwards GET <path> to Keysmith, headers included; `stop()` closes the port (connections refused). */
async function relay(target: string): Promise<{ url: string; stop(): Promise<void>; start(): Promise<void> }> {
  let server: Server;
  let port = 0;
  const listen = async () => {
    server = createServer(async (req, res) => {
      const upstream = await fetch(`${target}${req.url}`);
      res.writeHead(upstream.status, { 'content-type': 'application/json', 'cache-control': upstream.headers.get('cache-control') ?? '' });
      res.end(await upstream.text());
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  };
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
    start: listen,
  };
}

/** A token shaped like a real one but naming a kid nobody published. */
function withKid(token: string, kid: string): string {
  const [, p, sig] = token.split('.');
  return `${Buffer.from(JSON.stringify({ alg: 'EdDSA', kid, typ: 'JWT' })).toString('base64url')}.${p}.${sig}`;
}

const isCode = (code: string) => (e: unknown) => e instanceof JwtVerificationError && e.code === code;

describe('sdk JWKS cache', () => {
  let s: ListeningApp;
  const clock = new FrozenClock(T0);
  let n = 0;
  before(async () => {
    s = await startListeningApp({ clock });
  });
  after(() => s.close());

  /** A fresh project (its own signing key), a client for it, and a parent key to derive from. */
  const project = async () => {
    const proj: OperatorProject = await createProject(s.t, `sdk-jwks-${++n}`);
    const client = new KeysmithClient({ endpoint: s.base, token: proj.token });
    const parent = (await client.issuedKeys.issue({ name: 'p', actor_id: 'a' })).secret!;
    const derive = async () => (await client.derive({ credential: parent })).token.token;
    return { proj, client, parent, derive, url: `${s.base}/projects/${proj.slug}/.well-known/jwks.json` };
  };

  it('fetches once and keeps the set for the server’s max-age (60 s), then refreshes', async () => {
    const { derive, url } = await project();
    const counter = countingFetch();
    const jwks = new JwksCache(url, { fetch: counter.fetch, now: () => clock.now() });
    const token = await derive();
    for (let i = 0; i < 20; i++) await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    assert.equal(counter.count(), 1);
    clock.advance(59_000);
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    assert.equal(counter.count(), 1, 'still fresh just before max-age');
    clock.advance(2_000);
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    assert.equal(counter.count(), 2, 'refreshed after max-age');
    assert.equal(jwks.fetchCount, 2);
  });

  it('max-age is clamped to the configured bounds', async () => {
    const { url } = await project();
    const counter = countingFetch();
    const jwks = new JwksCache(url, { fetch: counter.fetch, now: () => clock.now(), maxMaxAgeSec: 10 });
    await jwks.current();
    clock.advance(10_000);
    await jwks.current();
    assert.equal(counter.count(), 2, 'server says 60 s, the bound says 10 s');
  });

  it('unknown kid after a signing-key rotation: exactly one refetch, shared by concurrent callers', async () => {
    const { proj, derive, url } = await project();
    const counter = countingFetch();
    const now = () => clock.now();
    const first = await derive();
    await verifyJwt(first, { jwksUrl: url, issuer: ISSUER, fetch: counter.fetch, now });
    assert.equal(counter.count(), 1);

    const r = await s.t.op('POST', `/operator/v1/projects/${proj.id}/signingKeys:rotate`, { mode: 'graceful' });
    assert.equal(r.statusCode, 200, r.body);
    clock.advance(SERVER_JWKS_CACHE_MS + 10_000); // past the server's own cache and our cooldown, not our max-age
    const second = await derive();
    assert.notEqual(decodeProtectedHeader(second).kid, decodeProtectedHeader(first).kid);
    const results = await Promise.all(Array.from({ length: 25 }, () => verifyJwt(second, { jwksUrl: url, issuer: ISSUER, fetch: counter.fetch, now })));
    assert.ok(results.every((c) => c.nid === proj.id));
    assert.equal(counter.count(), 2, 'one refetch for 25 concurrent tokens with the new kid');
    await verifyJwt(first, { jwksUrl: url, issuer: ISSUER, fetch: counter.fetch, now });
    assert.equal(counter.count(), 2, 'graceful: the old kid is in the refetched set');

    // Revoke mode: once the cached set expires, the old key is gone and its tokens fail.
    assert.equal((await s.t.op('POST', `/operator/v1/projects/${proj.id}/signingKeys:rotate`, { mode: 'revoke' })).statusCode, 200);
    clock.advance(61_000);
    await assert.rejects(verifyJwt(second, { jwksUrl: url, issuer: ISSUER, fetch: counter.fetch, now }), isCode('signature_invalid'));
  });

  it('a flood of random kids costs at most one fetch per cooldown', async () => {
    const { derive, url } = await project();
    const counter = countingFetch();
    const jwks = new JwksCache(url, { fetch: counter.fetch, now: () => clock.now(), cooldownSec: 10 });
    const token = await derive();
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    clock.advance(10_000);
    const flood = Array.from({ length: 300 }, () => verifyJwt(withKid(token, randomUUID()), { jwks, issuer: ISSUER, now: () => clock.now() }));
    const settled = await Promise.allSettled(flood);
    assert.ok(settled.every((x) => x.status === 'rejected' && isCode('signature_invalid')(x.reason)));
    assert.equal(counter.count(), 2, '300 concurrent unknown kids: one shared refetch');
    for (let i = 0; i < 200; i++) {
      clock.advance(20); // 4 s of sustained flood, still inside the cooldown
      await assert.rejects(verifyJwt(withKid(token, randomUUID()), { jwks, issuer: ISSUER, now: () => clock.now() }), isCode('signature_invalid'));
    }
    assert.equal(counter.count(), 2, 'no refetch inside the cooldown');
    clock.advance(6_000);
    await assert.rejects(verifyJwt(withKid(token, randomUUID()), { jwks, issuer: ISSUER, now: () => clock.now() }), isCode('signature_invalid'));
    assert.equal(counter.count(), 3, 'one more after the cooldown');
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    assert.equal(counter.count(), 3, 'real tokens keep verifying from the cache');
  });

  it('remembered tokens: signature checked once per key set, time/issuer/project/IP checked every call', async () => {
    const { derive, proj, url, client, parent } = await project();
    const jwks = new JwksCache(url, { fetch: countingFetch().fetch, now: () => clock.now(), verifiedTokens: 2 });
    const v = (token: string, extra: Record<string, unknown> = {}) =>
      verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now(), clockToleranceSec: 0, ...extra });
    const token = await derive();
    const first = await v(token);
    first.scp.push('admin');
    (first.meta as Record<string, unknown>).x = 1;
    const second = await v(token);
    assert.deepEqual([second.scp, second.meta], [[], {}], 'a caller mutating its claims does not change the next answer');
    const snap = await jwks.current();
    assert.equal(snap.verified?.size, 1);
    await assert.rejects(v(token, { issuer: 'https://other.example' }), isCode('wrong_issuer'));
    await assert.rejects(v(token, { projectId: 'another' }), isCode('wrong_project'));
    await assert.rejects(v(token, { now: () => clock.now() - 10_000 }), isCode('not_yet_valid'));
    assert.equal((await v(token, { projectId: proj.id })).nid, proj.id);
    for (let i = 0; i < 3; i++) await v(await derive());
    assert.equal(snap.verified?.size, 2, 'bounded');
    const short = (await client.derive({ credential: parent, ttl: '10s' })).token.token;
    await v(short);
    clock.advance(10_000); // inside the set's max-age: the remembered entry's exp is what refuses it
    assert.equal(await jwks.current(), snap, 'same key set');
    await assert.rejects(v(short), isCode('expired'));
  });

  it('JWKS server down: the stale set is served, retries are spaced, a cold cache reports jwks_unavailable', async () => {
    const { derive, proj } = await project();
    const up = await relay(s.base);
    const url = `${up.url}/projects/${proj.slug}/.well-known/jwks.json`;
    const counter = countingFetch();
    const jwks = new JwksCache(url, { fetch: counter.fetch, now: () => clock.now(), cooldownSec: 10 });
    const token = await derive();
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    await up.stop();
    clock.advance(61_000); // the set has expired
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    assert.equal(counter.count(), 2, 'one failed refresh');
    for (let i = 0; i < 50; i++) await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    await assert.rejects(verifyJwt(withKid(token, 'unknown'), { jwks, issuer: ISSUER, now: () => clock.now() }), isCode('signature_invalid'));
    assert.equal(counter.count(), 2, 'no new attempt inside the cooldown');
    clock.advance(10_000);
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    assert.equal(counter.count(), 3, 'retried after the cooldown, still stale');

    const cold = new JwksCache(url, { fetch: counter.fetch, now: () => clock.now() });
    await assert.rejects(verifyJwt(token, { jwks: cold, issuer: ISSUER, now: () => clock.now() }), isCode('jwks_unavailable'));

    await up.start();
    clock.advance(10_000);
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    assert.equal(counter.count(), 5, 'back up: refreshed');
    clock.advance(1_000);
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now() });
    assert.equal(counter.count(), 5, 'and fresh again');
    await up.stop();
  });

  it('stale is bounded by maxStaleSec', async () => {
    const { derive, proj } = await project();
    const up = await relay(s.base);
    const jwks = new JwksCache(`${up.url}/projects/${proj.slug}/.well-known/jwks.json`, { now: () => clock.now(), maxStaleSec: 120, cooldownSec: 1 });
    const token = await derive();
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now(), clockToleranceSec: 3_600 });
    await up.stop();
    clock.advance(60_000 + 119_000);
    await verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now(), clockToleranceSec: 3_600 });
    clock.advance(2_000);
    await assert.rejects(verifyJwt(token, { jwks, issuer: ISSUER, now: () => clock.now(), clockToleranceSec: 3_600 }), isCode('jwks_unavailable'));
  });
});

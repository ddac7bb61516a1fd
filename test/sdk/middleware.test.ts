import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  type KeysmithAuthOptions,
  KeysmithClient,
  type KeysmithPrincipal,
  keysmithExpress,
  keysmithFastify,
  keysmithPreHandler,
} from '../../packages/sdk/src/index.js';
import { FrozenClock } from '../../src/shared/clock.js';
import { countingFetch, type ListeningApp, startListeningApp } from './listening-app.js';

// The Fastify plugin/preHandler and the Express middleware, each in a real server on port 0, in front
// of a real Keysmith: API keys go through apiKeys:verify, derived JWTs are verified locally.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');

interface Fixture {
  key: string;
  keyId: string;
  jwt: string;
  narrowJwt: string;
  expiredJwt: string;
  revoked: string;
}

describe('sdk middleware', () => {
  let s: ListeningApp;
  const clock = new FrozenClock(T0);
  const verifyCalls = countingFetch();
  let client: KeysmithClient;
  let fx: Fixture;
  let options: KeysmithAuthOptions;

  before(async () => {
    s = await startListeningApp({ clock });
    client = new KeysmithClient({ endpoint: s.base, token: s.t.token, fetch: verifyCalls.fetch });
    const admin = new KeysmithClient({ endpoint: s.base, token: s.t.token });
    const parent = await admin.issuedKeys.issue({ name: 'mw', actor_id: 'svc-mw', scopes: ['read', 'write'], metadata: { tier: 'gold' } });
    const revoked = await admin.issuedKeys.issue({ name: 'gone', actor_id: 'svc-gone', scopes: ['read'] });
    await admin.revoke(revoked.issued_api_key.key_id!, { reason: 'REVOCATION_REASON_KEY_COMPROMISE' });
    const derive = async (body: Record<string, unknown> = {}) => (await admin.derive({ credential: parent.secret!, ...body })).token.token;
    fx = {
      key: parent.secret!,
      keyId: parent.issued_api_key.key_id!,
      jwt: await derive(),
      narrowJwt: await derive({ scopes: ['read'] }),
      expiredJwt: await derive({ ttl: '1s' }),
      revoked: revoked.secret!,
    };
    options = {
      client,
      jwt: {
        jwksUrl: `${s.base}/.well-known/jwks.json`,
        issuer: 'http://localhost:4420',
        projectId: s.t.app.bootstrap.projectId,
        now: () => clock.now() + 60_000,
        fetch: countingFetch().fetch,
      },
    };
  });
  after(() => s.close());

  /** The same table runs against both frameworks. */
  const table = (base: () => string) => {
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base()}${path}`, { headers });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    it('an API key is verified by the server and lands on request.keysmith', async () => {
      const before = verifyCalls.count('apiKeys:verify');
      const r = await get('/whoami', bearer(fx.key));
      assert.equal(r.status, 200);
      const p = (await r.json()) as KeysmithPrincipal;
      assert.deepEqual([p.type, p.keyId, p.actorId, p.scopes, p.metadata], ['api_key', fx.keyId, 'svc-mw', ['read', 'write'], { tier: 'gold' }]);
      assert.equal(p.verification?.is_valid, true);
      assert.equal(verifyCalls.count('apiKeys:verify') - before, 1);
    });

    it('a derived JWT is verified locally (no call to the server)', async () => {
      const before = verifyCalls.count();
      const r = await get('/whoami', bearer(fx.jwt));
      assert.equal(r.status, 200);
      const p = (await r.json()) as KeysmithPrincipal;
      assert.deepEqual([p.type, p.keyId, p.actorId], ['jwt', fx.keyId, 'svc-mw']);
      assert.equal(p.claims?.nid, s.t.app.bootstrap.projectId);
      assert.equal(verifyCalls.count(), before);
    });

    it('refusals: 401/403 with a small AIP-193 body', async () => {
      const cases: [string, Record<string, string>, string, number, string, string | undefined][] = [
        ['/whoami', {}, 'no credential', 401, 'CREDENTIAL_MISSING', undefined],
        ['/whoami', { authorization: `Basic ${fx.key}` }, 'wrong scheme', 401, 'CREDENTIAL_MISSING', undefined],
        ['/whoami', bearer(`${fx.key.slice(0, -2)}zz`), 'bad checksum', 401, 'CREDENTIAL_INVALID', 'VERIFICATION_ERROR_NOT_FOUND'],
        ['/whoami', bearer(fx.revoked), 'revoked', 401, 'CREDENTIAL_INVALID', 'VERIFICATION_ERROR_REVOKED'],
        ['/whoami', bearer(fx.expiredJwt), 'expired JWT', 401, 'CREDENTIAL_INVALID', 'expired'],
        ['/whoami', bearer(`${fx.jwt.slice(0, -4)}AAAA`), 'tampered JWT', 401, 'CREDENTIAL_INVALID', 'signature_invalid'],
        ['/whoami', bearer('x'.repeat(10_000)), 'oversized', 401, 'CREDENTIAL_INVALID', 'VERIFICATION_ERROR_INVALID_FORMAT'],
        ['/write', bearer(fx.narrowJwt), 'JWT lacks scope', 403, 'SCOPE_MISSING', 'write'],
      ];
      for (const [path, headers, name, status, reason, detail] of cases) {
        const r = await get(path, headers);
        assert.equal(r.status, status, name);
        assert.match(r.headers.get('content-type') ?? '', /^application\/json/, name);
        if (status === 401) assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/, name);
        const body = (await r.json()) as any;
        assert.equal(body.error.code, status, name);
        assert.equal(body.error.details[0].reason, reason, name);
        assert.equal(body.error.details[0].metadata?.code ?? body.error.details[0].metadata?.scope, detail, name);
        assert.doesNotMatch(JSON.stringify(body), new RegExp(fx.key.slice(10, 30)), `${name}: the credential is not echoed`);
      }
      assert.equal((await get('/write', bearer(fx.jwt))).status, 200, 'the wide JWT has write');
      assert.equal((await get('/write', bearer(fx.key))).status, 200, 'the key has write');
    });

    it('a configurable header carries the raw credential', async () => {
      assert.equal((await get('/header', { 'x-api-key': fx.key })).status, 200);
      assert.equal((await get('/header', bearer(fx.key))).status, 401);
    });

    it('verifier unreachable: 503, never a pass', async () => {
      const r = await get('/down', bearer(fx.key));
      assert.equal(r.status, 503);
      assert.equal(((await r.json()) as any).error.details[0].reason, 'VERIFIER_UNAVAILABLE');
    });
  };

  const unreachable = () => ({ client: new KeysmithClient({ endpoint: 'http://127.0.0.1:1', token: 'x', retries: 0 }) });

  describe('fastify', () => {
    let app: FastifyInstance;
    let base = '';
    before(async () => {
      app = Fastify();
      const who = async (request: unknown) => (request as { keysmith: KeysmithPrincipal }).keysmith;
      await app.register(async (scope) => {
        await scope.register(keysmithFastify, options);
        scope.get('/whoami', who);
        scope.get('/write', { preHandler: keysmithPreHandler({ ...options, requiredScopes: ['write'] }) }, who);
      });
      app.get('/header', { preHandler: keysmithPreHandler({ client, header: 'X-Api-Key' }) }, who);
      app.get('/down', { preHandler: keysmithPreHandler(unreachable()) }, who);
      app.get('/open', async () => ({ open: true }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    });
    after(() => app.close());
    table(() => base);

    it('the plugin protects only the scope it is registered in', async () => {
      assert.equal((await fetch(`${base}/open`)).status, 200);
    });
  });

  describe('express', () => {
    let server: Server;
    let base = '';
    before(async () => {
      const app = express();
      const who = (req: express.Request, res: express.Response) => {
        res.json((req as unknown as { keysmith: KeysmithPrincipal }).keysmith);
      };
      app.get('/whoami', keysmithExpress(options), who);
      app.get('/write', keysmithExpress({ ...options, requiredScopes: ['write'] }), who);
      app.get('/header', keysmithExpress({ client, header: 'x-api-key' }), who);
      app.get('/down', keysmithExpress(unreachable()), who);
      server = app.listen(0, '127.0.0.1');
      await new Promise<void>((r) => server.once('listening', () => r()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    });
    table(() => base);
  });
});

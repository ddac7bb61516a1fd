import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { FrozenClock } from '../../src/shared/clock.js';
import { createProject, createToken, expectError } from '../helpers/operator.js';
import { createTestApp, reasonOf, TEST_OPERATOR_TOKEN, type TestApp } from '../helpers/test-app.js';

// The operator API (/operator/v1, docs/operator-api.md): projects, enabling API keys, configuration,
// HMAC and signing-key rotation, operator authentication, and hostile input on every endpoint.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const P = '/operator/v1/projects';
const ISSUE = '/v2alpha1/admin/issuedApiKeys';
const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const K64 = 'x'.repeat(64 * 1024);
const SQLI = "a' OR 1=1 --";

async function verify(t: TestApp, token: string, credential: string) {
  const res = await t.as(token, 'POST', VERIFY, { credential });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Record<string, any>;
}

async function issue(t: TestApp, token: string, body: Record<string, unknown> = {}) {
  const res = await t.as(token, 'POST', ISSUE, body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { issued_api_key: Record<string, any>; secret: string };
}

const kids = (res: LightMyRequestResponse): string[] => (res.json().keys as { kid: string }[]).map((k) => k.kid);

describe('operator API: projects', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  before(async () => {
    t = await createTestApp({ clock });
  });
  after(() => t.close());

  test('create: 201 + Location, project view; get by id and by slug return the same project', async () => {
    const res = await t.op('POST', P, { slug: 'acme', name: 'Acme Corp', plan: 'developer', custom_domains: ['Keys.Acme.Example.'] });
    assert.equal(res.statusCode, 201, res.body);
    const p = res.json();
    assert.equal(res.headers.location, `${P}/${p.id}`);
    assert.match(p.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(p.slug, 'acme');
    assert.equal(p.name, 'Acme Corp');
    assert.equal(p.plan, 'developer');
    assert.equal(p.api_keys_enabled, false);
    assert.deepEqual(p.custom_domains, ['keys.acme.example']);
    assert.equal(p.create_time, new Date(T0).toISOString());
    assert.deepEqual(p.usage, { active_keys: 0, max_active_keys: 10_000 });
    const byId = await t.op('GET', `${P}/${p.id}`);
    const bySlug = await t.op('GET', `${P}/acme`);
    assert.equal(byId.statusCode, 200);
    assert.equal(bySlug.statusCode, 200);
    assert.deepEqual(byId.json(), p);
    assert.deepEqual(bySlug.json(), p);
    // Without a name the slug is the name; without a plan, projects.default_plan (custom: unlimited).
    const bare = await t.op('POST', P, { slug: 'bare' });
    assert.equal(bare.statusCode, 201);
    assert.equal(bare.json().name, 'bare');
    assert.equal(bare.json().plan, 'custom');
    assert.equal(bare.json().usage.max_active_keys, null);
  });

  test('create: duplicate slug → 409 PROJECT_EXISTS; bad slug / unknown plan / unknown field / bad domain → 400; nothing created', async () => {
    assert.equal((await t.op('POST', P, { slug: 'dup' })).statusCode, 201);
    expectError(await t.op('POST', P, { slug: 'dup', name: 'again' }), 409, 'PROJECT_EXISTS', 'duplicate slug');
    assert.equal((await t.op('GET', `${P}/dup`)).json().name, 'dup', 'the first project is untouched');
    for (const slug of ['', 'Acme', 'a_b', '-a', 'a-', 'a.b', 'a b', 'x'.repeat(64), SQLI, 'ä']) {
      expectError(await t.op('POST', P, { slug }), 400, 'INVALID_ARGUMENT', `slug ${JSON.stringify(slug)}`);
    }
    const unknownPlan = expectError(await t.op('POST', P, { slug: 'planless', plan: 'platinum' }), 400, 'INVALID_ARGUMENT', 'unknown plan');
    assert.equal(unknownPlan.details[0].metadata?.field, 'plan');
    const unknownField = expectError(await t.op('POST', P, { slug: 'extra', owner: 'me' }), 400, 'INVALID_ARGUMENT', 'unknown field');
    assert.match(unknownField.message, /owner/);
    expectError(await t.op('POST', P, { slug: 'baddomain', custom_domains: ['https://x.example/path'] }), 400, 'INVALID_ARGUMENT', 'bad domain');
    expectError(await t.op('POST', P, { name: 'no slug' }), 400, 'INVALID_ARGUMENT', 'missing slug');
    for (const slug of ['planless', 'extra', 'baddomain']) expectError(await t.op('GET', `${P}/${slug}`), 404, 'PROJECT_NOT_FOUND', slug);
  });

  test('plan names are looked up as plans only: Object.prototype members are unknown plans (400)', async () => {
    const failures: string[] = [];
    for (const plan of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const slug = `proto-${plan.replace(/_/g, '').toLowerCase()}`;
      const res = await t.op('POST', P, { slug, plan });
      if (res.statusCode !== 400 || reasonOf(res) !== 'INVALID_ARGUMENT') {
        failures.push(`create plan ${plan}: ${res.statusCode} usage=${JSON.stringify(res.json().usage)}`);
        await t.op('DELETE', `${P}/${slug}`);
      }
      const upd = await t.op('PATCH', `${P}/default`, { plan });
      if (upd.statusCode !== 400 || reasonOf(upd) !== 'INVALID_ARGUMENT') failures.push(`update plan ${plan}: ${upd.statusCode}`);
    }
    assert.equal((await t.op('PATCH', `${P}/default`, { plan: 'custom' })).statusCode, 200);
    assert.deepEqual(failures, []);
  });

  test('create with a custom domain already taken → 409 and no half-made project', async () => {
    assert.equal((await t.op('POST', P, { slug: 'owner', custom_domains: ['taken.example'] })).statusCode, 201);
    expectError(await t.op('POST', P, { slug: 'squatter', custom_domains: ['TAKEN.example'] }), 409, 'PROJECT_EXISTS');
    expectError(await t.op('GET', `${P}/squatter`), 404, 'PROJECT_NOT_FOUND');
    assert.equal((await t.op('POST', P, { slug: 'squatter' })).statusCode, 201, 'the slug is free again');
  });

  test('list: keyset pages by slug, each project exactly once; page_size bounds; tampered or foreign token → 400', async () => {
    for (const s of ['list-c', 'list-a', 'list-e', 'list-b', 'list-d']) assert.equal((await t.op('POST', P, { slug: s })).statusCode, 201);
    const all = await t.op('GET', `${P}?page_size=1000`);
    assert.equal(all.statusCode, 200);
    const allSlugs: string[] = all.json().projects.map((p: { slug: string }) => p.slug);
    assert.equal(all.json().next_page_token, '');
    assert.deepEqual(allSlugs, [...allSlugs].sort(), 'ordered by slug');
    for (const s of ['default', 'list-a', 'list-e']) assert.ok(allSlugs.includes(s), s);

    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const res = await t.op('GET', `${P}?page_size=2${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.ok(body.projects.length <= 2);
      seen.push(...body.projects.map((p: { slug: string }) => p.slug));
      token = body.next_page_token;
      pages++;
    } while (token && pages < 100);
    assert.deepEqual(seen, allSlugs, 'the pages concatenate to the full list, no duplicates, no gaps');
    assert.equal(pages, Math.ceil(allSlugs.length / 2));

    const first = (await t.op('GET', `${P}?page_size=1`)).json();
    assert.equal(first.projects.length, 1);
    const tok: string = first.next_page_token;
    assert.ok(tok);
    const flipped = tok.slice(0, 12) + (tok[12] === 'A' ? 'B' : 'A') + tok.slice(13);
    for (const bad of [flipped, `${tok}A`, tok.slice(0, -1), 'garbage', '!!!!']) {
      expectError(await t.op('GET', `${P}?page_token=${encodeURIComponent(bad)}`), 400, 'INVALID_PAGE_TOKEN', bad);
    }
    // A token of another list (the audit events of a project) is refused here, and vice versa.
    await t.op('PATCH', `${P}/list-a`, { name: 'one' });
    await t.op('PATCH', `${P}/list-a`, { name: 'two' });
    const audit = (await t.op('GET', `${P}/list-a/auditEvents?page_size=1`)).json();
    assert.ok(audit.next_page_token, 'audit list has a next page');
    expectError(await t.op('GET', `${P}?page_token=${encodeURIComponent(audit.next_page_token)}`), 400, 'INVALID_PAGE_TOKEN', 'audit token on projects');
    expectError(await t.op('GET', `${P}/list-a/auditEvents?page_token=${encodeURIComponent(tok)}`), 400, 'INVALID_PAGE_TOKEN', 'projects token on audit');

    assert.equal((await t.op('GET', `${P}?page_size=0`)).json().projects.length, Math.min(50, allSlugs.length), 'page_size 0 → default');
    assert.equal((await t.op('GET', `${P}?page_size=999999`)).statusCode, 200, 'clamped, not refused');
    for (const ps of ['abc', '1.5', '1e3', '0x10']) expectError(await t.op('GET', `${P}?page_size=${ps}`), 400, 'INVALID_ARGUMENT', `page_size=${ps}`);
  });

  test('update: name, plan, custom_domains; a domain taken by another project → 409 and nothing changed', async () => {
    const a = (await t.op('POST', P, { slug: 'upd-a', name: 'A', custom_domains: ['a.example'] })).json();
    assert.equal((await t.op('POST', P, { slug: 'upd-b', custom_domains: ['b.example'] })).statusCode, 201);
    clock.advance(1000);
    const res = await t.op('PATCH', `${P}/${a.id}`, { name: 'A renamed', plan: 'free', custom_domains: ['a2.example', 'A2.example', 'a3.example'] });
    assert.equal(res.statusCode, 200, res.body);
    const u = res.json();
    assert.equal(u.name, 'A renamed');
    assert.equal(u.plan, 'free');
    assert.deepEqual(u.custom_domains, ['a2.example', 'a3.example']);
    assert.equal(u.usage.max_active_keys, 100);
    assert.equal(u.create_time, a.create_time);
    assert.equal(u.update_time, new Date(T0 + 1000).toISOString());
    assert.deepEqual((await t.op('GET', `${P}/upd-a`)).json(), u, 'the update is persisted');

    // Conflict: nothing of the patch is applied, not even the name.
    const conflict = await t.op('PATCH', `${P}/upd-a`, { name: 'should not stick', custom_domains: ['b.example'] });
    expectError(conflict, 409, 'PROJECT_EXISTS', 'domain of upd-b');
    assert.deepEqual((await t.op('GET', `${P}/upd-a`)).json(), u, 'upd-a unchanged');
    assert.deepEqual((await t.op('GET', `${P}/upd-b`)).json().custom_domains, ['b.example'], 'upd-b unchanged');

    expectError(await t.op('PATCH', `${P}/upd-a`, { plan: 'platinum' }), 400, 'INVALID_ARGUMENT', 'unknown plan');
    expectError(await t.op('PATCH', `${P}/upd-a`, { slug: 'renamed' }), 400, 'INVALID_ARGUMENT', 'slug is immutable / unknown field');
    expectError(await t.op('PATCH', `${P}/upd-a`, { name: 'x', custom_domains: ['not a domain'] }), 400, 'INVALID_ARGUMENT', 'bad domain');
    assert.deepEqual((await t.op('GET', `${P}/upd-a`)).json(), u, 'refused patches change nothing');
    // Clearing the domains frees them for another project.
    assert.deepEqual((await t.op('PATCH', `${P}/upd-a`, { custom_domains: [] })).json().custom_domains, []);
    assert.equal((await t.op('PATCH', `${P}/upd-b`, { custom_domains: ['b.example', 'a2.example'] })).statusCode, 200);
    expectError(await t.op('PATCH', `${P}/does-not-exist`, { name: 'x' }), 404, 'PROJECT_NOT_FOUND');
  });

  test('delete: 204, then 404 PROJECT_NOT_FOUND everywhere; its tokens stop working; a second delete is 404', async () => {
    const p = await createProject(t, 'doomed');
    const k = await issue(t, p.token, { name: 'k' });
    assert.equal((await t.as(p.token, 'GET', `${ISSUE}/${k.issued_api_key.key_id}`)).statusCode, 200, 'token works before');
    const del = await t.op('DELETE', `${P}/${p.id}`);
    assert.equal(del.statusCode, 204);
    assert.equal(del.body, '');
    expectError(await t.op('GET', `${P}/${p.id}`), 404, 'PROJECT_NOT_FOUND');
    expectError(await t.op('GET', `${P}/doomed`), 404, 'PROJECT_NOT_FOUND');
    expectError(await t.op('GET', `${P}/doomed/config`), 404, 'PROJECT_NOT_FOUND');
    expectError(await t.op('GET', `${P}/doomed/tokens`), 404, 'PROJECT_NOT_FOUND');
    expectError(await t.op('DELETE', `${P}/doomed`), 404, 'PROJECT_NOT_FOUND');
    // The token of the deleted project is no valid token any more: 401, like an unknown token.
    expectError(await t.as(p.token, 'GET', ISSUE), 401, 'UNAUTHENTICATED', 'list with deleted project token');
    expectError(await t.as(p.token, 'POST', VERIFY, { credential: k.secret }), 401, 'UNAUTHENTICATED', 'verify with deleted project token');
    const slugs = (await t.op('GET', `${P}?page_size=1000`)).json().projects.map((x: { slug: string }) => x.slug);
    assert.ok(!slugs.includes('doomed'));
    assert.equal((await t.op('POST', P, { slug: 'doomed' })).statusCode, 201, 'the slug can be reused');
  });

  test(':enableApiKeys — admin calls refused before; first call changed:true, second changed:false', async () => {
    const p = await createProject(t, 'late', { enable: false });
    assert.equal((await t.op('GET', `${P}/late`)).json().api_keys_enabled, false);
    expectError(await t.as(p.token, 'GET', ISSUE), 403, 'API_KEYS_NOT_ENABLED', 'list');
    expectError(await t.as(p.token, 'POST', ISSUE, {}), 403, 'API_KEYS_NOT_ENABLED', 'issue');
    expectError(await t.as(p.token, 'POST', VERIFY, { credential: 'x' }), 403, 'API_KEYS_NOT_ENABLED', 'verify');
    expectError(await t.op('POST', `${P}/late/hmacSecrets:rotate`, {}), 403, 'API_KEYS_NOT_ENABLED', 'hmac rotate');
    expectError(await t.op('POST', `${P}/late/signingKeys:rotate`, {}), 403, 'API_KEYS_NOT_ENABLED', 'signing rotate');
    assert.deepEqual((await t.op('GET', `${P}/late/signingKeys`)).json().signing_keys, []);

    const first = await t.op('POST', `${P}/late:enableApiKeys`);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().changed, true);
    assert.equal(first.json().project.api_keys_enabled, true);
    assert.equal(typeof first.json().message, 'string');
    const sk = (await t.op('GET', `${P}/late/signingKeys`)).json().signing_keys;
    assert.equal(sk.length, 1);
    assert.equal(sk[0].alg, 'EdDSA');

    const second = await t.op('POST', `${P}/${p.id}:enableApiKeys`, { signing_algorithm: 'ES256' });
    assert.equal(second.statusCode, 200);
    assert.equal(second.json().changed, false);
    assert.match(second.json().message, /already/i);
    assert.deepEqual((await t.op('GET', `${P}/late/signingKeys`)).json().signing_keys, sk, 'a second call changes nothing');

    const k = await issue(t, p.token, {});
    assert.equal((await verify(t, p.token, k.secret)).is_valid, true);

    const es = await t.op('POST', P, { slug: 'es256' });
    assert.equal(es.statusCode, 201);
    assert.equal((await t.op('POST', `${P}/es256:enableApiKeys`, { signing_algorithm: 'ES256' })).json().changed, true);
    assert.equal((await t.op('GET', `${P}/es256/signingKeys`)).json().signing_keys[0].alg, 'ES256');
    expectError(await t.op('POST', `${P}/es256:enableApiKeys`, { signing_algorithm: 'HS256' }), 400, 'INVALID_ARGUMENT');
    expectError(await t.op('POST', `${P}/nope:enableApiKeys`), 404, 'PROJECT_NOT_FOUND');
  });
});

describe('operator API: configuration', () => {
  let t: TestApp;
  const clock = new FrozenClock(T0);
  before(async () => {
    t = await createTestApp({ clock });
  });
  after(() => t.close());

  test('GET config shows the defaults; PATCH applies an RFC 7396 merge patch and takes effect', async () => {
    const p = await createProject(t, 'cfg');
    const got = await t.op('GET', `${P}/cfg/config`);
    assert.equal(got.statusCode, 200);
    const c0 = got.json().config;
    assert.equal(c0.api_keys.prefix.current, 'ks_ak');
    assert.equal(c0.api_keys.default_ttl, '90d');
    assert.equal(c0.cache.enabled, false);

    const res = await t.op('PATCH', `${P}/cfg/config`, {
      api_keys: { prefix: { current: 'acme_live', retired: ['ks_ak'] }, default_ttl: '30d' },
      cors: { enabled: true, allowed_origins: ['https://app.acme.example'] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const c1 = res.json().config;
    assert.equal(c1.api_keys.prefix.current, 'acme_live');
    assert.deepEqual(c1.api_keys.prefix.retired, ['ks_ak']);
    assert.equal(c1.api_keys.prefix.public_current, 'ks_pk', 'siblings kept');
    assert.equal(c1.api_keys.default_ttl, '30d');
    assert.equal(c1.api_keys.max_ttl, c0.api_keys.max_ttl, 'siblings kept');
    assert.deepEqual(c1.credentials, c0.credentials, 'untouched sections kept');
    assert.deepEqual((await t.op('GET', `${P}/${p.id}/config`)).json().config, c1, 'persisted');

    const k = await issue(t, p.token, {});
    assert.ok(k.secret.startsWith('acme_live_v1_'), 'the new prefix is used at once');
    assert.equal(k.issued_api_key.expire_time, new Date(T0 + 30 * 86_400_000).toISOString(), 'the new default TTL is used at once');

    // null removes a member: the default comes back.
    const reset = await t.op('PATCH', `${P}/cfg/config`, { api_keys: { default_ttl: null, prefix: { retired: null } } });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal(reset.json().config.api_keys.default_ttl, '90d');
    assert.deepEqual(reset.json().config.api_keys.prefix.retired, []);
    assert.equal(reset.json().config.api_keys.prefix.current, 'acme_live');
    expectError(await t.op('GET', `${P}/nope/config`), 404, 'PROJECT_NOT_FOUND');
  });

  test('invalid values → 400 naming the field, and NOTHING of the patch is applied', async () => {
    await createProject(t, 'strict');
    const set = await t.op('PATCH', `${P}/strict/config`, { api_keys: { default_ttl: '7d' } });
    assert.equal(set.statusCode, 200);
    const before_ = (await t.op('GET', `${P}/strict/config`)).json();
    // Each patch also carries one valid change (name: derived_tokens.default_ttl) that must not stick.
    const good = { derived_tokens: { default_ttl: '2h' } };
    const cases: [string, Record<string, unknown>, string][] = [
      ['unparsable default_ttl', { api_keys: { default_ttl: 'forever' } }, 'api_keys.default_ttl'],
      ['zero max_ttl', { api_keys: { max_ttl: '0s' } }, 'api_keys.max_ttl'],
      ['default_ttl above max_ttl', { api_keys: { default_ttl: '400d' } }, 'api_keys.default_ttl'],
      ['bad prefix', { api_keys: { prefix: { current: 'bad-prefix!' } } }, 'api_keys.prefix.current'],
      ['public prefix = prefix', { api_keys: { prefix: { public_current: 'ks_ak' } } }, 'api_keys.prefix.public_current'],
      ['current prefix also retired', { api_keys: { prefix: { retired: ['ks_ak'] } } }, 'api_keys.prefix.retired'],
      ['clock_skew above 10m', { credentials: { clock_skew: '1h' } }, 'credentials.clock_skew'],
      ['empty issuer', { credentials: { issuer: '' } }, 'credentials.issuer'],
      ['bad jwt_algorithm', { derived_tokens: { jwt_algorithm: 'none' } }, 'derived_tokens.jwt_algorithm'],
      ['bad client_ip.source', { client_ip: { source: 'HOST_HEADER' } }, 'client_ip.source'],
      ['bad trusted proxy', { client_ip: { trusted_proxies: ['10.0.0.0/33'] } }, 'client_ip.trusted_proxies'],
      ['bad CORS origin', { cors: { allowed_origins: ['ftp://files.example'] } }, 'cors.allowed_origins'],
      ['wrong type: cache.enabled "true"', { cache: { enabled: 'true' } }, 'cache.enabled'],
      ['wrong type: cache.ttl 300', { cache: { ttl: 300 } }, 'cache.ttl'],
      ['cache.ttl out of range', { cache: { ttl: '2d' } }, 'cache.ttl'],
      ['unknown nested field', { api_keys: { rotate_every: '30d' } }, 'api_keys.rotate_every'],
      ['unknown top-level field', { billing: { plan: 'x' } }, 'billing'],
    ];
    const failures: string[] = [];
    for (const [name, patch, field] of cases) {
      const res = await t.op('PATCH', `${P}/strict/config`, {
        ...good,
        ...patch,
        derived_tokens: { ...good.derived_tokens, ...(patch.derived_tokens as object) },
      });
      try {
        const e = expectError(res, 400, 'INVALID_ARGUMENT', name);
        const named = `${e.message} ${JSON.stringify(e.details[0].metadata ?? {})}`;
        assert.ok(named.includes(field), `${name}: the error names ${field}: ${named}`);
      } catch (err) {
        failures.push((err as Error).message.split('\n')[0]);
      }
      const now = (await t.op('GET', `${P}/strict/config`)).json();
      if (JSON.stringify(now) !== JSON.stringify(before_)) {
        failures.push(`${name}: the config changed`);
        assert.equal((await t.op('PATCH', `${P}/strict/config`, before_.config)).statusCode, 200, 'restore');
      }
    }
    assert.deepEqual(failures, []);
  });

  test('wrong JSON types where objects are expected → 400, never a silent reset to defaults', async () => {
    await createProject(t, 'types');
    assert.equal(
      (await t.op('PATCH', `${P}/types/config`, { api_keys: { default_ttl: '7d', prefix: { current: 'tp' } }, cors: { enabled: true } })).statusCode,
      200,
    );
    const before_ = (await t.op('GET', `${P}/types/config`)).json();
    const failures: string[] = [];
    for (const [name, patch] of [
      ['api_keys: []', { api_keys: [] }],
      ['api_keys: 5', { api_keys: 5 }],
      ['api_keys: "x"', { api_keys: 'x' }],
      ['api_keys: true', { api_keys: true }],
      ['api_keys.prefix: []', { api_keys: { prefix: [] } }],
      ['cors: 0', { cors: 0 }],
      ['cors: ["https://a.example"]', { cors: ['https://a.example'] }],
    ] as const) {
      const res = await t.op('PATCH', `${P}/types/config`, patch);
      if (res.statusCode !== 400 || reasonOf(res) !== 'INVALID_ARGUMENT') failures.push(`${name}: ${res.statusCode} ${reasonOf(res) ?? ''}`);
      const now = (await t.op('GET', `${P}/types/config`)).json();
      if (JSON.stringify(now) !== JSON.stringify(before_)) {
        failures.push(
          `${name}: config reset (api_keys.default_ttl ${now.config.api_keys.default_ttl}, prefix ${now.config.api_keys.prefix.current}, cors ${now.config.cors.enabled})`,
        );
        assert.equal((await t.op('PATCH', `${P}/types/config`, before_.config)).statusCode, 200, 'restore');
      }
    }
    assert.deepEqual(failures, []);
  });

  test('plan features: cache / rate limiting on the free plan → 403 PLAN_FEATURE_UNAVAILABLE; allowed on developer; no downgrade past them', async () => {
    await createProject(t, 'freebie', { plan: 'free' });
    const before_ = (await t.op('GET', `${P}/freebie/config`)).json();
    const cache = expectError(await t.op('PATCH', `${P}/freebie/config`, { cache: { enabled: true } }), 403, 'PLAN_FEATURE_UNAVAILABLE', 'cache');
    assert.equal(cache.status, 'PERMISSION_DENIED');
    expectError(await t.op('PATCH', `${P}/freebie/config`, { rate_limit: { enabled: true } }), 403, 'PLAN_FEATURE_UNAVAILABLE', 'rate limit');
    expectError(
      await t.op('PATCH', `${P}/freebie/config`, { api_keys: { default_ttl: '1d' }, cache: { enabled: true } }),
      403,
      'PLAN_FEATURE_UNAVAILABLE',
      'mixed',
    );
    assert.deepEqual((await t.op('GET', `${P}/freebie/config`)).json(), before_, 'nothing changed');

    await createProject(t, 'dev', { plan: 'developer' });
    const ok = await t.op('PATCH', `${P}/dev/config`, { cache: { enabled: true, ttl: '30s' }, rate_limit: { enabled: true } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().config.cache.enabled, true);
    // Downgrading to a plan without caching while caching is on is refused, and the plan stays.
    expectError(await t.op('PATCH', `${P}/dev`, { plan: 'free' }), 403, 'PLAN_FEATURE_UNAVAILABLE', 'downgrade');
    assert.equal((await t.op('GET', `${P}/dev`)).json().plan, 'developer');
  });

  test('hmacSecrets:rotate — keys issued before keep verifying while the retired secret is valid; retired_ttl expiry → NOT_FOUND', async () => {
    const p = await createProject(t, 'hmac');
    const k0 = await issue(t, p.token, { ttl: '30d' });
    const r1 = await t.op('POST', `${P}/hmac/hmacSecrets:rotate`);
    assert.equal(r1.statusCode, 200, r1.body);
    const s1 = r1.json().hmac_secrets;
    assert.equal(s1.length, 2);
    assert.deepEqual(
      s1.map((s: { state: string }) => s.state),
      ['current', 'retired'],
    );
    assert.equal(s1[1].expire_time, undefined, 'no retired_ttl: the retired secret never expires');
    for (const s of s1)
      assert.deepEqual(
        Object.keys(s).filter((k) => !['id', 'state', 'create_time', 'expire_time'].includes(k)),
        [],
        'no secret material',
      );
    const k1 = await issue(t, p.token, { ttl: '30d' });
    assert.equal((await verify(t, p.token, k0.secret)).is_valid, true, 'key from before the rotation');
    assert.equal((await verify(t, p.token, k1.secret)).is_valid, true, 'key from after the rotation');

    const r2 = await t.op('POST', `${P}/${p.id}/hmacSecrets:rotate`, { retired_ttl: '1h' });
    assert.equal(r2.statusCode, 200, r2.body);
    const s2 = r2.json().hmac_secrets;
    assert.equal(s2.length, 3);
    assert.equal(s2[0].state, 'current');
    const withExpiry = s2.filter((s: { expire_time?: string }) => s.expire_time);
    assert.equal(withExpiry.length, 1);
    assert.equal(withExpiry[0].id, s1[0].id, 'the secret that was current gets the expiry');
    assert.equal(withExpiry[0].expire_time, new Date(T0 + 3_600_000).toISOString());
    const k2 = await issue(t, p.token, { ttl: '30d' });
    for (const k of [k0, k1, k2]) assert.equal((await verify(t, p.token, k.secret)).is_valid, true);

    clock.advance(3_600_000 + 1000);
    const v1 = await verify(t, p.token, k1.secret);
    assert.equal(v1.is_valid, false);
    assert.equal(v1.error_code, 'VERIFICATION_ERROR_NOT_FOUND', 'the retired secret expired');
    assert.equal(v1.key_id, undefined);
    assert.equal((await verify(t, p.token, k0.secret)).is_valid, true, 'the older retired secret has no expiry');
    assert.equal((await verify(t, p.token, k2.secret)).is_valid, true, 'the current secret');

    for (const retired_ttl of ['soon', '0s', '-1h', '11y', '1s\u0000']) {
      expectError(await t.op('POST', `${P}/hmac/hmacSecrets:rotate`, { retired_ttl }), 400, 'INVALID_ARGUMENT', retired_ttl);
    }
    assert.equal((await t.op('GET', `${P}/hmac`)).statusCode, 200);
    assert.equal((await verify(t, p.token, k2.secret)).is_valid, true, 'refused rotations rotated nothing');
  });

  test('signingKeys:rotate — graceful keeps the old key in the JWKS; revoke removes it', async () => {
    // The default project answers /.well-known/jwks.json (no base domain configured).
    const list0 = (await t.op('GET', `${P}/default/signingKeys`)).json().signing_keys;
    assert.equal(list0.length, 1);
    assert.equal(list0[0].state, 'current');
    const jwks0 = await t.app.api.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.equal(jwks0.statusCode, 200);
    assert.deepEqual(kids(jwks0), [list0[0].kid]);
    for (const k of jwks0.json().keys) assert.equal(k.d, undefined, 'public parts only');

    const g = await t.op('POST', `${P}/default/signingKeys:rotate`, { mode: 'graceful' });
    assert.equal(g.statusCode, 200, g.body);
    const list1 = g.json().signing_keys;
    assert.equal(list1.length, 2);
    assert.deepEqual(
      list1.map((k: { state: string }) => k.state),
      ['current', 'retired'],
    );
    assert.equal(list1[1].kid, list0[0].kid);
    clock.advance(6000); // past the 5 s in-process JWKS cache
    const jwks1 = await t.app.api.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.deepEqual(new Set(kids(jwks1)), new Set(list1.map((k: { kid: string }) => k.kid)));
    const talos = await t.app.api.inject({ method: 'GET', url: '/v2alpha1/derivedKeys/jwks.json' });
    assert.deepEqual(new Set((talos.json().jwks.keys as { kid: string }[]).map((k) => k.kid)), new Set(kids(jwks1)));

    // revoke on a project with a single key: exactly one key afterwards, the old kid gone.
    await createProject(t, 'sig');
    const before_ = (await t.op('GET', `${P}/sig/signingKeys`)).json().signing_keys;
    assert.equal(before_.length, 1);
    const r = await t.op('POST', `${P}/sig/signingKeys:rotate`, { mode: 'revoke' });
    assert.equal(r.statusCode, 200, r.body);
    const after_ = r.json().signing_keys;
    assert.equal(after_.length, 1);
    assert.notEqual(after_[0].kid, before_[0].kid);
    clock.advance(6000);
    const jwks2 = await t.app.api.inject({ method: 'GET', url: '/projects/sig/.well-known/jwks.json' });
    assert.equal(jwks2.statusCode, 200);
    assert.deepEqual(kids(jwks2), [after_[0].kid]);

    // revoke after a graceful rotation: the current key is removed at once.
    const current = list1[0].kid;
    const r2 = await t.op('POST', `${P}/default/signingKeys:rotate`, { mode: 'revoke' });
    assert.equal(r2.statusCode, 200);
    const list2 = r2.json().signing_keys.map((k: { kid: string }) => k.kid);
    assert.ok(!list2.includes(current), 'the revoked kid is gone');
    clock.advance(6000);
    assert.ok(!kids(await t.app.api.inject({ method: 'GET', url: '/.well-known/jwks.json' })).includes(current));

    // algorithm change on rotation; bad mode/algorithm → 400
    const es = await t.op('POST', `${P}/sig/signingKeys:rotate`, { algorithm: 'ES256' });
    assert.equal(es.json().signing_keys[0].alg, 'ES256');
    expectError(await t.op('POST', `${P}/sig/signingKeys:rotate`, { mode: 'delete' }), 400, 'INVALID_ARGUMENT');
    expectError(await t.op('POST', `${P}/sig/signingKeys:rotate`, { algorithm: 'none' }), 400, 'INVALID_ARGUMENT');
  });
});

describe('operator API: authentication', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const endpoints: [string, string, unknown?][] = [
    ['GET', P],
    ['POST', P, { slug: 'sneaky' }],
    ['GET', `${P}/default`],
    ['PATCH', `${P}/default`, { name: 'pwned' }],
    ['DELETE', `${P}/default`],
    ['POST', `${P}/default:enableApiKeys`, {}],
    ['GET', `${P}/default/config`],
    ['PATCH', `${P}/default/config`, { cache: { enabled: false } }],
    ['POST', `${P}/default/hmacSecrets:rotate`, {}],
    ['GET', `${P}/default/signingKeys`],
    ['POST', `${P}/default/signingKeys:rotate`, {}],
    ['POST', `${P}/default/tokens`, { name: 'x', permissions: ['admin'] }],
    ['GET', `${P}/default/tokens`],
    ['POST', `${P}/default/tokens/00000000-0000-4000-8000-000000000000:revoke`, {}],
    ['GET', `${P}/default/auditEvents`],
  ];

  test('no token, a bad token, a project token (ks_pat_) → 401 AIP-193 on every operator endpoint; nothing changes', async () => {
    const before_ = (await t.op('GET', `${P}/default`)).json();
    const sk = (await t.op('GET', `${P}/default/signingKeys`)).json();
    for (const [method, url, body] of endpoints) {
      for (const [label, authorization] of [
        ['none', undefined],
        ['empty bearer', 'Bearer '],
        ['basic', `Basic ${Buffer.from(`op:${TEST_OPERATOR_TOKEN}`).toString('base64')}`],
        ['wrong', `Bearer ${TEST_OPERATOR_TOKEN}x`],
        ['prefix of the token', `Bearer ${TEST_OPERATOR_TOKEN.slice(0, -1)}`],
        ['project admin token', `Bearer ${t.token}`],
        ['8 KB', `Bearer ${'a'.repeat(8192)}`],
      ] as const) {
        const res = await t.app.api.inject({
          method: method as 'GET',
          url,
          headers: { ...(authorization ? { authorization } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
        });
        expectError(res, 401, 'UNAUTHENTICATED', `${method} ${url} [${label}]`);
      }
    }
    assert.deepEqual((await t.op('GET', `${P}/default`)).json(), before_, 'nothing changed');
    assert.deepEqual((await t.op('GET', `${P}/default/signingKeys`)).json(), sk, 'nothing rotated');
    expectError(await t.op('GET', `${P}/sneaky`), 404, 'PROJECT_NOT_FOUND');
  });

  test('unauthenticated requests are refused before the body or the project is looked at (no validation oracle)', async () => {
    const noAuth = (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: string) =>
      t.app.api.inject({
        method,
        url,
        headers: payload !== undefined ? { 'content-type': 'application/json' } : {},
        ...(payload !== undefined ? { payload } : {}),
      });
    const failures: string[] = [];
    for (const [label, res] of [
      ['invalid body', await noAuth('POST', P, '{"bogus":1}')],
      ['malformed JSON', await noAuth('POST', P, '{"slug":')],
      ['array body', await noAuth('PATCH', `${P}/default/config`, '[]')],
      ['unknown project', await noAuth('GET', `${P}/no-such-project`)],
      ['bad query', await noAuth('GET', `${P}?page_size=abc`)],
      ['bad token body', await noAuth('POST', `${P}/default/tokens`, '{"name":5}')],
    ] as const) {
      if (res.statusCode !== 401 || reasonOf(res) !== 'UNAUTHENTICATED') failures.push(`${label}: ${res.statusCode} ${res.body.slice(0, 140)}`);
    }
    assert.deepEqual(failures, []);
  });

  test('the operator token is not a project token: /v2alpha1/admin/* → 401', async () => {
    for (const [method, url, body] of [
      ['GET', ISSUE],
      ['POST', ISSUE, {}],
      ['POST', VERIFY, { credential: 'x' }],
      ['GET', `${ISSUE}/00000000-0000-4000-8000-000000000000`],
    ] as const) {
      expectError(await t.op(method, url, body), 401, 'UNAUTHENTICATED', `${method} ${url}`);
    }
    assert.equal((await t.call('GET', ISSUE)).statusCode, 200, 'the project token still works there');
  });
});

describe('operator API: disabled (no operator token configured)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { KEYSMITH_OPERATOR_TOKEN: '' } });
  });
  after(() => t.close());

  test('every operator call → 401 saying the operator API is disabled', async () => {
    for (const authorization of [undefined, `Bearer ${TEST_OPERATOR_TOKEN}`, 'Bearer ', `Bearer ${t.token}`]) {
      for (const url of [P, `${P}/default`, `${P}/default/config`]) {
        const res = await t.app.api.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
        const e = expectError(res, 401, 'UNAUTHENTICATED', `${url} ${authorization?.slice(0, 12)}`);
        assert.match(e.message, /disabled/i);
      }
    }
    const create = await t.op('POST', P, { slug: 'x' });
    expectError(create, 401, 'UNAUTHENTICATED');
    assert.equal((await t.call('GET', ISSUE)).statusCode, 200, 'the admin API is unaffected');
  });
});

// ---------------------------------------------------------------------------------------------------
// Hostile input on every operator endpoint: a 4xx in the AIP-193 shape, never a 500, and the server
// keeps answering with nothing half-written.

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  json?: unknown;
  raw?: string;
  /** Acceptable [status, reason] outcomes (the first is the expected one). */
  expect: [number, string][];
}

const BAD: [number, string][] = [[400, 'INVALID_ARGUMENT']];
const MALFORMED: [number, string][] = [[400, 'MALFORMED_JSON']];
const deepObject = (depth: number, leaf = '1') => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

function bodyAttacks(label: string, method: Case['method'], url: string): Case[] {
  const c = (name: string, rest: Partial<Case>, expect = BAD): Case => ({ name: `${label}: ${name}`, method, url, ...rest, expect });
  return [
    c('malformed JSON', { raw: '{"slug":' }, MALFORMED),
    c('trailing garbage', { raw: '{} x' }, MALFORMED),
    c('array body', { raw: '[]' }),
    c('array of objects body', { raw: '[{}]' }),
    c('string body', { raw: '"x"' }),
    c('number body', { raw: '5' }),
    c('null body', { raw: 'null' }),
    c('10,000-deep object', { raw: deepObject(10_000) }),
    c('10,000-deep array', { raw: deepArray(10_000) }),
    c('__proto__ pollution', { raw: '{"__proto__":{"polluted":true}}' }, [
      [400, 'MALFORMED_JSON'],
      [400, 'INVALID_ARGUMENT'],
    ]),
  ];
}

function hostileCases(target: string, tokenId: string): Case[] {
  const T = `${P}/${target}`;
  const create = (name: string, json: Record<string, unknown>, expect = BAD): Case => ({ name: `create: ${name}`, method: 'POST', url: P, json, expect });
  const patch = (name: string, json: unknown, expect = BAD): Case => ({ name: `update: ${name}`, method: 'PATCH', url: T, json, expect });
  const cfg = (name: string, json: unknown, expect = BAD): Case => ({ name: `config: ${name}`, method: 'PATCH', url: `${T}/config`, json, expect });
  const tok = (name: string, json: unknown, expect = BAD): Case => ({ name: `token create: ${name}`, method: 'POST', url: `${T}/tokens`, json, expect });
  const get = (name: string, url: string, expect = BAD, method: Case['method'] = 'GET'): Case => ({ name, method, url, expect });
  const NOT_FOUND: [number, string][] = [[404, 'PROJECT_NOT_FOUND']];
  let i = 0;
  const slug = () => `hostile-${i++}`;
  return [
    ...bodyAttacks('create', 'POST', P),
    ...bodyAttacks('update', 'PATCH', T),
    ...bodyAttacks('enableApiKeys', 'POST', `${T}:enableApiKeys`),
    ...bodyAttacks('config', 'PATCH', `${T}/config`),
    ...bodyAttacks('hmac rotate', 'POST', `${T}/hmacSecrets:rotate`),
    ...bodyAttacks('signing rotate', 'POST', `${T}/signingKeys:rotate`),
    ...bodyAttacks('token create', 'POST', `${T}/tokens`),

    create('slug SQL injection', { slug: SQLI }),
    create('slug "x; DROP TABLE projects"', { slug: 'x; DROP TABLE projects' }),
    create('slug NUL', { slug: 'a\u0000b' }),
    create('slug CRLF', { slug: 'a\r\nb' }),
    create('slug 64 KB', { slug: K64 }),
    create('slug 5', { slug: 5 }),
    create('slug null', { slug: null }),
    create('slug ["a"]', { slug: ['a'] }),
    create('slug {}', { slug: {} }),
    create('name NUL', { slug: slug(), name: 'a\u0000b' }),
    create('name CRLF', { slug: slug(), name: 'a\r\nb' }),
    create('name 64 KB', { slug: slug(), name: K64 }),
    create('name 5', { slug: slug(), name: 5 }),
    create('name {}', { slug: slug(), name: {} }),
    create('plan SQL injection', { slug: slug(), plan: "free' OR 1=1 --" }),
    create('plan 64 KB', { slug: slug(), plan: K64 }),
    create('plan NUL', { slug: slug(), plan: 'free\u0000' }),
    create('plan __proto__', { slug: slug(), plan: '__proto__' }),
    create('plan constructor', { slug: slug(), plan: 'constructor' }),
    create('plan toString', { slug: slug(), plan: 'toString' }),
    create('custom_domains "x.example"', { slug: slug(), custom_domains: 'x.example' }),
    create('custom_domains [5]', { slug: slug(), custom_domains: [5] }),
    create('custom_domains NUL', { slug: slug(), custom_domains: ['a\u0000.example'] }),
    create('custom_domains CRLF', { slug: slug(), custom_domains: ['a.example\r\nX-Evil: 1'] }),
    create('custom_domains SQL injection', { slug: slug(), custom_domains: ["x.example' OR 1=1 --"] }),
    create('custom_domains 64 KB', { slug: slug(), custom_domains: [K64] }),
    create('custom_domains 10,000 entries', { slug: slug(), custom_domains: Array.from({ length: 10_000 }, (_, n) => `d${n}.example`) }),
    create('custom_domains {}', { slug: slug(), custom_domains: {} }),
    create('enable_api_keys "yes"', { slug: slug(), enable_api_keys: 'yes' }),
    create('enable_api_keys 1', { slug: slug(), enable_api_keys: 1 }),
    create('unknown field', { slug: slug(), id: '00000000-0000-4000-8000-000000000000' }),

    patch('name NUL', { name: 'a\u0000b' }),
    patch('name CRLF', { name: 'a\r\nb' }),
    patch('name 64 KB', { name: K64 }),
    patch('name null', { name: null }),
    patch('plan SQL injection', { plan: "free' OR 1=1 --" }),
    patch('plan 5', { plan: 5 }),
    patch('custom_domains "a.example"', { custom_domains: 'a.example' }),
    patch('custom_domains [["a.example"]]', { custom_domains: [['a.example']] }),
    patch('custom_domains NUL', { custom_domains: ['a\u0000.example'] }),
    patch('custom_domains CRLF inside', { custom_domains: ['a.exa\r\nmple'] }),
    patch('slug (immutable)', { slug: 'other' }),

    { name: 'enableApiKeys: algorithm HS256', method: 'POST', url: `${T}:enableApiKeys`, json: { signing_algorithm: 'HS256' }, expect: BAD },
    { name: 'enableApiKeys: algorithm 5', method: 'POST', url: `${T}:enableApiKeys`, json: { signing_algorithm: 5 }, expect: BAD },
    { name: 'enableApiKeys: algorithm NUL', method: 'POST', url: `${T}:enableApiKeys`, json: { signing_algorithm: 'EdDSA\u0000' }, expect: BAD },
    { name: 'enableApiKeys: unknown field', method: 'POST', url: `${T}:enableApiKeys`, json: { force: true }, expect: BAD },

    { name: 'config: 170,000-deep merge patch (≈1 MB)', method: 'PATCH', url: `${T}/config`, raw: deepObject(170_000), expect: BAD },
    { name: 'config: 10,000-deep under api_keys', method: 'PATCH', url: `${T}/config`, raw: `{"api_keys":${deepObject(10_000)}}`, expect: BAD },
    {
      name: 'config: 10,000-deep arrays as a value',
      method: 'PATCH',
      url: `${T}/config`,
      raw: `{"cors":{"allowed_origins":${deepArray(10_000)}}}`,
      expect: BAD,
    },
    cfg('api_keys: []', { api_keys: [] }),
    cfg('api_keys: "x"', { api_keys: 'x' }),
    cfg('api_keys: 5', { api_keys: 5 }),
    cfg('prefix NUL', { api_keys: { prefix: { current: 'ks\u0000ak' } } }),
    cfg('prefix SQL injection', { api_keys: { prefix: { current: SQLI } } }),
    cfg('prefix 64 KB', { api_keys: { prefix: { current: K64 } } }),
    cfg('retired prefixes: 10,000', { api_keys: { prefix: { retired: Array.from({ length: 10_000 }, (_, n) => `p${n}`) } } }),
    cfg('default_ttl 64 KB', { api_keys: { default_ttl: K64 } }),
    cfg('default_ttl NUL', { api_keys: { default_ttl: '1d\u0000' } }),
    cfg('issuer NUL', { credentials: { issuer: 'https://a.example\u0000' } }),
    cfg('issuer CRLF', { credentials: { issuer: 'https://a.example\r\nX-Evil: 1' } }),
    cfg('issuer 64 KB', { credentials: { issuer: K64 } }),
    cfg('issuer_retired: {}', { credentials: { issuer_retired: {} } }),
    cfg('issuer_retired bad time', { credentials: { issuer_retired: [{ value: 'x', expires_at: 'tomorrow' }] } }),
    cfg('trusted_proxies SQL injection', { client_ip: { trusted_proxies: ["' OR 1=1 --"] } }),
    cfg('trusted_proxies NUL', { client_ip: { trusted_proxies: ['10.0.0.1\u0000'] } }),
    cfg('allowed_origins CRLF', { cors: { allowed_origins: ['https://a.example\r\nX: y'] } }),
    cfg('cache.enabled "yes"', { cache: { enabled: 'yes' } }),
    cfg('cache.enabled 1', { cache: { enabled: 1 } }),
    cfg('unknown top-level', { owner: 'x' }),

    { name: 'hmac rotate: retired_ttl 5', method: 'POST', url: `${T}/hmacSecrets:rotate`, json: { retired_ttl: 5 }, expect: BAD },
    { name: 'hmac rotate: retired_ttl 64 KB', method: 'POST', url: `${T}/hmacSecrets:rotate`, json: { retired_ttl: K64 }, expect: BAD },
    { name: 'hmac rotate: retired_ttl NUL', method: 'POST', url: `${T}/hmacSecrets:rotate`, json: { retired_ttl: '1h\u0000' }, expect: BAD },
    { name: 'hmac rotate: retired_ttl CRLF', method: 'POST', url: `${T}/hmacSecrets:rotate`, json: { retired_ttl: '1h\r\n' }, expect: BAD },
    { name: 'hmac rotate: unknown field', method: 'POST', url: `${T}/hmacSecrets:rotate`, json: { secret: 'mine' }, expect: BAD },
    { name: 'signing rotate: mode 5', method: 'POST', url: `${T}/signingKeys:rotate`, json: { mode: 5 }, expect: BAD },
    { name: 'signing rotate: algorithm none', method: 'POST', url: `${T}/signingKeys:rotate`, json: { algorithm: 'none' }, expect: BAD },
    { name: 'signing rotate: unknown field', method: 'POST', url: `${T}/signingKeys:rotate`, json: { private_key: 'x' }, expect: BAD },

    tok('name ""', { name: '', permissions: ['admin'] }),
    tok('name whitespace', { name: '   ', permissions: ['admin'] }),
    tok('name NUL', { name: 'a\u0000b', permissions: ['read'] }),
    tok('name CRLF', { name: 'a\r\nb', permissions: ['read'] }),
    tok('name 64 KB', { name: K64, permissions: ['read'] }),
    tok('name 5', { name: 5, permissions: ['read'] }),
    tok('permissions []', { name: 'x', permissions: [] }),
    tok('permissions ["root"]', { name: 'x', permissions: ['root'] }),
    tok('permissions "admin"', { name: 'x', permissions: 'admin' }),
    tok('permissions [5]', { name: 'x', permissions: [5] }),
    tok('permissions ["admin\\u0000"]', { name: 'x', permissions: ['admin\u0000'] }),
    tok('permissions 10,000', { name: 'x', permissions: Array.from({ length: 10_000 }, () => 'read') }),
    tok('permissions missing', { name: 'x' }),
    tok('ttl "soon"', { name: 'x', permissions: ['read'], ttl: 'soon' }),
    tok('ttl "0s"', { name: 'x', permissions: ['read'], ttl: '0s' }),
    tok('ttl NUL', { name: 'x', permissions: ['read'], ttl: '1h\u0000' }),
    tok('ttl 64 KB', { name: 'x', permissions: ['read'], ttl: K64 }),
    tok('ttl 5', { name: 'x', permissions: ['read'], ttl: 5 }),
    tok('secret supplied', { name: 'x', permissions: ['read'], secret: 'ks_pat_mine' }),

    get('token revoke: SQL-injection id', `${T}/tokens/${encodeURIComponent(SQLI)}:revoke`, [[404, 'TOKEN_NOT_FOUND']], 'POST'),
    get(
      'token revoke: NUL in id',
      `${T}/tokens/a%00b:revoke`,
      [
        [404, 'TOKEN_NOT_FOUND'],
        [400, 'INVALID_ARGUMENT'],
      ],
      'POST',
    ),
    get(
      'token revoke: CRLF in id',
      `${T}/tokens/a%0D%0Ab:revoke`,
      [
        [404, 'TOKEN_NOT_FOUND'],
        [400, 'INVALID_ARGUMENT'],
      ],
      'POST',
    ),
    get('token revoke: 200-char id', `${T}/tokens/${'a'.repeat(200)}:revoke`, BAD, 'POST'),
    get('token revoke: 64 KB id', `${T}/tokens/${'a'.repeat(65_536)}:revoke`, BAD, 'POST'),
    get('token revoke: other project token id', `${P}/default/tokens/${tokenId}:revoke`, [[404, 'TOKEN_NOT_FOUND']], 'POST'),

    get('audit: action SQL injection', `${T}/auditEvents?action=${encodeURIComponent(SQLI)}`, [[200, '']]),
    get('audit: actor SQL injection', `${T}/auditEvents?actor=${encodeURIComponent("operator' OR '1'='1")}`, [[200, '']]),
    get('audit: key_id SQL injection', `${T}/auditEvents?key_id=${encodeURIComponent("x' UNION SELECT * FROM api_tokens --")}`, [[200, '']]),
    get('audit: action NUL', `${T}/auditEvents?action=a%00b`, [
      [200, ''],
      [400, 'INVALID_ARGUMENT'],
    ]),
    get('audit: actor CRLF', `${T}/auditEvents?actor=a%0D%0Ab`, [
      [200, ''],
      [400, 'INVALID_ARGUMENT'],
    ]),
    get('audit: action 64 KB', `${T}/auditEvents?action=${K64}`, BAD),
    get('audit: page_size 64 KB', `${T}/auditEvents?page_size=${'9'.repeat(65_536)}`, BAD),
    get('audit: page_size -1e9', `${T}/auditEvents?page_size=-1e9`, BAD),
    get('audit: page_token garbage', `${T}/auditEvents?page_token=${encodeURIComponent(SQLI)}`, [[400, 'INVALID_PAGE_TOKEN']]),
    get('audit: page_token 64 KB', `${T}/auditEvents?page_token=${'A'.repeat(65_536)}`, [
      [400, 'INVALID_ARGUMENT'],
      [400, 'INVALID_PAGE_TOKEN'],
    ]),
    get('audit: unknown query parameter', `${T}/auditEvents?limit=5`, BAD),
    get('audit: repeated action', `${T}/auditEvents?action=a&action=b`, BAD),
    get('list: page_size array', `${P}?page_size=1&page_size=2`, BAD),
    get('list: page_token NUL', `${P}?page_token=a%00b`, [[400, 'INVALID_PAGE_TOKEN']]),
    get('list: unknown query parameter', `${P}?filter=slug%3D%22x%22`, BAD),

    get('project ref: SQL injection', `${P}/${encodeURIComponent(SQLI)}`, NOT_FOUND),
    get('project ref: SQL injection (delete)', `${P}/${encodeURIComponent("default' OR 1=1 --")}`, NOT_FOUND, 'DELETE'),
    get('project ref: SQL injection (config)', `${P}/${encodeURIComponent("x' OR '1'='1")}/config`, NOT_FOUND),
    get('project ref: NUL', `${P}/default%00`, NOT_FOUND),
    get('project ref: CRLF', `${P}/default%0D%0A`, NOT_FOUND),
    get('project ref: upper case', `${P}/DEFAULT`, NOT_FOUND),
    get('project ref: 64 KB', `${P}/${'a'.repeat(65_536)}`, BAD),
    get('project ref: 200 characters', `${P}/${'a'.repeat(200)}`, [
      [400, 'INVALID_ARGUMENT'],
      [404, 'PROJECT_NOT_FOUND'],
    ]),
    get('project ref: bad percent-encoding', `${P}/%E0%A4%A`, BAD),
  ];
}

describe('operator API: hostile input', () => {
  let t: TestApp;
  let snapshot: Record<string, unknown>;
  let target = '';
  let tokenId = '';

  before(async () => {
    t = await createTestApp();
    const p = await createProject(t, 'target');
    target = p.id;
    tokenId = (await createToken(t, 'target', ['read'])).id;
    snapshot = await state();
  });
  after(() => t.close());

  async function state() {
    const projects = (await t.op('GET', `${P}?page_size=1000`)).json().projects.map((p: Record<string, unknown>) => ({ ...p, update_time: undefined }));
    return {
      projects,
      config: (await t.op('GET', `${P}/target/config`)).json(),
      tokens: (await t.op('GET', `${P}/target/tokens`)).json(),
      signing: (await t.op('GET', `${P}/target/signingKeys`)).json(),
      defaultTokens: (await t.op('GET', `${P}/default/tokens`)).json(),
    };
  }

  test('every case is a 4xx (or an empty 200 for filters) in the AIP-193 shape, never a 500', async () => {
    const failures: string[] = [];
    const cases = hostileCases(target, tokenId);
    assert.ok(cases.length > 150, `${cases.length} cases`);
    for (const c of cases) {
      const hasBody = c.json !== undefined || c.raw !== undefined;
      const res = await t.app.api.inject({
        method: c.method,
        url: c.url,
        headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}`, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
        ...(hasBody ? { payload: c.raw ?? JSON.stringify(c.json) } : {}),
      });
      const ok = c.expect.some(([status, reason]) => {
        if (res.statusCode !== status) return false;
        if (status === 200) return Array.isArray(res.json().audit_events) && res.json().audit_events.length === 0;
        try {
          expectError(res, status, reason, c.name);
          return true;
        } catch {
          return false;
        }
      });
      if (!ok)
        failures.push(`${c.method} ${c.name}: expected ${c.expect.map((e) => e.join(' ')).join(' | ')}, got ${res.statusCode} ${res.body.slice(0, 160)}`);
      if (!res.headers['x-request-id']) failures.push(`${c.name}: no X-Request-ID`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases failed:\n${failures.join('\n')}`);
  });

  test('afterwards the server still answers and nothing was created, changed or half-written', async () => {
    assert.equal((await t.app.api.inject({ method: 'GET', url: '/health/alive' })).statusCode, 200);
    assert.deepEqual(await state(), snapshot);
    const k = await issue(t, t.token, {});
    assert.equal((await verify(t, t.token, k.secret)).is_valid, true);
    assert.equal(reasonOf(await t.op('GET', `${P}/hostile-0`)), 'PROJECT_NOT_FOUND');
  });
});

describe('operator API: boundary lengths reach the database', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  // The wire schemas allow names of up to 256 characters; whatever the answer, it must not be a 500,
  // and an accepted name must come back intact (no silent truncation).
  test('project name of 256 characters: stored intact or refused with 400, never 500', async () => {
    const name = 'n'.repeat(256);
    const res = await t.op('POST', P, { slug: 'long-name', name });
    assert.ok(res.statusCode === 201 || res.statusCode === 400, `${res.statusCode} ${res.body.slice(0, 200)}`);
    if (res.statusCode === 201) assert.equal((await t.op('GET', `${P}/long-name`)).json().name, name);
    else expectError(res, 400, 'INVALID_ARGUMENT');
    const upd = await t.op('PATCH', `${P}/default`, { name });
    assert.ok(upd.statusCode === 200 || upd.statusCode === 400, `${upd.statusCode} ${upd.body.slice(0, 200)}`);
  });

  test('token name of 256 characters: stored intact or refused with 400, never 500', async () => {
    const name = 't'.repeat(256);
    const res = await t.op('POST', `${P}/default/tokens`, { name, permissions: ['read'] });
    assert.ok(res.statusCode === 201 || res.statusCode === 400, `${res.statusCode} ${res.body.slice(0, 200)}`);
    if (res.statusCode === 201) {
      const listed = (await t.op('GET', `${P}/default/tokens`)).json().tokens.find((x: { id: string }) => x.id === res.json().token.id);
      assert.equal(listed.name, name);
    }
  });
});

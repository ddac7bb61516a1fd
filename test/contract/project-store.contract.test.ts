import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ProjectSecretRecord } from '../../src/store/records.js';
import { BACKENDS, failIfUnreachable, HOUR, isUnique, probeBackends, projectRecord, T0, useMigratedStore } from './contract-harness.js';

/** ProjectStore contract: the same cases on SQLite, PostgreSQL and MariaDB. */
const gates = await probeBackends();

const secret = (overrides: Partial<ProjectSecretRecord> = {}): ProjectSecretRecord => ({
  secretId: randomUUID(),
  kind: 'hmac',
  algorithm: 'HS256',
  state: 'current',
  sealed: `v1.${randomUUID()}.sealed+/=`,
  publicJwk: null,
  createdAt: T0,
  expiresAt: null,
  ...overrides,
});

const signing = (overrides: Partial<ProjectSecretRecord> = {}): ProjectSecretRecord =>
  secret({
    kind: 'signing',
    algorithm: 'EdDSA',
    publicJwk: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'abc_-' }),
    ...overrides,
  });

/** listSecrets order: newest first, then by secret id. */
const ordered = (secrets: ProjectSecretRecord[]) =>
  [...secrets].sort((a, b) => b.createdAt - a.createdAt || (a.secretId < b.secretId ? -1 : a.secretId > b.secretId ? 1 : 0));

for (const backend of BACKENDS) {
  describe(backend, { skip: gates[backend].skip }, () => {
    if (failIfUnreachable(gates[backend])) return;
    const store = useMigratedStore(backend);

    it('create, getById and getBySlug round-trip every field', async () => {
      const p = projectRecord({
        name: 'Proyecto ñ — 日本語 🚀 \'quotes\' "double" back\\slash',
        plan: 'enterprise',
        settings: {
          verify: { cacheTtlMs: 30_000, ipAllowlist: ['10.0.0.0/8'] },
          flag: true,
          none: null,
          ratio: 0.25,
        },
        createdAt: T0,
        updatedAt: T0 + 7,
      });
      const other = projectRecord();
      await store().projects.create(p);
      await store().projects.create(other);
      assert.deepStrictEqual(await store().projects.getById(p.id), p);
      assert.deepStrictEqual(await store().projects.getBySlug(p.slug), p);
      assert.equal(await store().projects.getById(randomUUID()), undefined);
      assert.equal(await store().projects.getBySlug('no-such-slug'), undefined);
      // Another project sees nothing of this one.
      assert.deepStrictEqual(await store().projects.getById(other.id), other);
      assert.deepStrictEqual(await store().projects.getBySlug(other.slug), other);
      assert.deepEqual(await store().projects.listSecrets(other.id), []);
    });

    it('a duplicate slug is UniqueViolation(slug), a duplicate id UniqueViolation(primary)', async () => {
      const p = projectRecord();
      const other = projectRecord();
      await store().projects.create(p);
      await store().projects.create(other);
      await assert.rejects(store().projects.create(projectRecord({ slug: p.slug })), isUnique('slug'));
      await assert.rejects(store().projects.create(projectRecord({ id: p.id })), isUnique('primary'));
      assert.deepStrictEqual(await store().projects.getById(p.id), p);
      assert.deepStrictEqual(await store().projects.getBySlug(p.slug), p);
      assert.deepStrictEqual(await store().projects.getById(other.id), other);
      assert.deepStrictEqual(await store().projects.getBySlug(other.slug), other);
    });

    it('enableApiKeys enables once and stores the secrets; the second call is false and changes nothing', async () => {
      const p = projectRecord();
      const other = projectRecord();
      await store().projects.create(p);
      await store().projects.create(other);
      const first = [secret(), signing()];
      assert.equal(await store().projects.enableApiKeys(p.id, first, T0 + HOUR), true);
      assert.deepStrictEqual(await store().projects.getById(p.id), {
        ...p,
        apiKeysEnabled: true,
        updatedAt: T0 + HOUR,
      });
      assert.deepStrictEqual(await store().projects.listSecrets(p.id), ordered(first));

      assert.equal(await store().projects.enableApiKeys(p.id, [secret()], T0 + 2 * HOUR), false);
      assert.deepStrictEqual(await store().projects.getById(p.id), {
        ...p,
        apiKeysEnabled: true,
        updatedAt: T0 + HOUR,
      });
      assert.deepStrictEqual(await store().projects.listSecrets(p.id), ordered(first));
      assert.equal(await store().projects.enableApiKeys(randomUUID(), [secret()], T0), false);

      // Another project sees nothing: still disabled, no secrets.
      assert.deepStrictEqual(await store().projects.getById(other.id), other);
      assert.deepEqual(await store().projects.listSecrets(other.id), []);
    });

    it('listSecrets returns every field, newest first', async () => {
      const p = projectRecord();
      const other = projectRecord();
      await store().projects.create(p);
      await store().projects.create(other);
      const secrets = [
        secret({ createdAt: T0, state: 'retired', expiresAt: T0 + 24 * HOUR }),
        secret({ createdAt: T0 + HOUR }),
        signing({ createdAt: T0 + HOUR }),
        signing({ createdAt: T0 - HOUR, state: 'retired', expiresAt: T0 }),
      ];
      assert.equal(await store().projects.enableApiKeys(p.id, secrets, T0), true);
      const listed = await store().projects.listSecrets(p.id);
      assert.deepStrictEqual(listed, ordered(secrets));
      assert.equal(typeof listed[0].createdAt, 'number');
      assert.deepEqual(await store().projects.listSecrets(other.id), []);
    });

    it('replaceSecrets replaces one kind atomically and leaves the other kind alone', async () => {
      const p = projectRecord();
      const other = projectRecord();
      await store().projects.create(p);
      await store().projects.create(other);
      const hmac = [secret()];
      const sign = [signing()];
      const otherSecrets = [secret(), signing()];
      await store().projects.enableApiKeys(p.id, [...hmac, ...sign], T0);
      await store().projects.enableApiKeys(other.id, otherSecrets, T0);

      const rotated = [signing({ createdAt: T0 + HOUR }), { ...sign[0], state: 'retired' as const, expiresAt: T0 + 24 * HOUR }];
      await store().projects.replaceSecrets(p.id, 'signing', rotated);
      assert.deepStrictEqual(await store().projects.listSecrets(p.id), ordered([...hmac, ...rotated]));

      // A failing replacement (duplicate secret id within the new set) rolls back: the old set stays.
      const dupe = secret({ createdAt: T0 + 2 * HOUR });
      await assert.rejects(store().projects.replaceSecrets(p.id, 'hmac', [dupe, { ...dupe }]), isUnique('primary'));
      assert.deepStrictEqual(await store().projects.listSecrets(p.id), ordered([...hmac, ...rotated]));

      // Replacing with an empty set removes that kind only.
      await store().projects.replaceSecrets(p.id, 'hmac', []);
      assert.deepStrictEqual(await store().projects.listSecrets(p.id), ordered(rotated));

      // Another project sees nothing: its secrets are untouched, and replacing in it does not touch p.
      assert.deepStrictEqual(await store().projects.listSecrets(other.id), ordered(otherSecrets));
      await store().projects.replaceSecrets(other.id, 'signing', []);
      assert.deepStrictEqual(await store().projects.listSecrets(p.id), ordered(rotated));
    });

    it('updateSettings round-trips the settings and bumps updatedAt', async () => {
      const p = projectRecord({ settings: { a: 1 } });
      const other = projectRecord({ settings: { b: 2 } });
      await store().projects.create(p);
      await store().projects.create(other);
      const settings = {
        limits: { keys: 100, list: [1, 'two', null, { three: 3 }] },
        label: 'it\'s "fine" \\ 😀',
        off: false,
        none: null,
      };
      await store().projects.updateSettings(p.id, settings, T0 + HOUR);
      assert.deepStrictEqual(await store().projects.getById(p.id), {
        ...p,
        settings,
        updatedAt: T0 + HOUR,
      });
      await store().projects.updateSettings(p.id, {}, T0 + 2 * HOUR);
      assert.deepStrictEqual(await store().projects.getById(p.id), {
        ...p,
        settings: {},
        updatedAt: T0 + 2 * HOUR,
      });
      // Another project sees nothing.
      assert.deepStrictEqual(await store().projects.getById(other.id), other);
    });
  });
}

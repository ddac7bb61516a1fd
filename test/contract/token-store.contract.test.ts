import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ApiTokenRecord } from '../../src/store/records.js';
import { BACKENDS, failIfUnreachable, HOUR, isUnique, probeBackends, T0, twoProjects, useMigratedStore } from './contract-harness.js';

/** TokenStore contract: the same cases on SQLite, PostgreSQL and MariaDB. */
const gates = await probeBackends();

const token = (projectId: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord => ({
  tokenId: randomUUID(),
  projectId,
  name: 'ci token',
  tokenHash: createHash('sha256').update(randomUUID()).digest('hex'),
  permissions: [],
  createdAt: T0,
  expiresAt: null,
  revokedAt: null,
  ...overrides,
});

for (const backend of BACKENDS) {
  describe(backend, { skip: gates[backend].skip }, () => {
    if (failIfUnreachable(gates[backend])) return;
    const store = useMigratedStore(backend);

    it('create, getByHash and listForProject round-trip every field', async () => {
      const [p, other] = await twoProjects(store());
      const a = token(p, {
        name: 'déploiement 🚀 \'q\' "d" \\',
        permissions: ['keys:read', 'keys:write', 'projects:*'],
        createdAt: T0,
        expiresAt: T0 + 24 * HOUR,
      });
      const b = token(p, { createdAt: T0 + 1, revokedAt: T0 + 2 });
      const c = token(p, { createdAt: T0 + 2 });
      for (const t of [c, a, b]) await store().tokens.create(t);
      assert.deepStrictEqual(await store().tokens.getByHash(a.tokenHash), a);
      assert.deepStrictEqual(await store().tokens.getByHash(b.tokenHash), b);
      assert.equal(await store().tokens.getByHash('0'.repeat(64)), undefined);
      assert.deepStrictEqual(await store().tokens.listForProject(p), [a, b, c]);
      // Another project sees nothing.
      assert.deepEqual(await store().tokens.listForProject(other), []);
      const own = token(other);
      await store().tokens.create(own);
      assert.deepStrictEqual(await store().tokens.listForProject(other), [own]);
      assert.deepStrictEqual(await store().tokens.listForProject(p), [a, b, c]);
    });

    it('revoke is true once, then false; another project cannot revoke it', async () => {
      const [p, other] = await twoProjects(store());
      const t = token(p);
      await store().tokens.create(t);
      assert.equal(await store().tokens.revoke(other, t.tokenId, T0 + HOUR), false);
      assert.deepStrictEqual(await store().tokens.getByHash(t.tokenHash), t);

      assert.equal(await store().tokens.revoke(p, t.tokenId, T0 + HOUR), true);
      assert.deepStrictEqual(await store().tokens.getByHash(t.tokenHash), {
        ...t,
        revokedAt: T0 + HOUR,
      });
      assert.equal(await store().tokens.revoke(p, t.tokenId, T0 + 2 * HOUR), false);
      assert.deepStrictEqual(await store().tokens.getByHash(t.tokenHash), {
        ...t,
        revokedAt: T0 + HOUR,
      });
      assert.equal(await store().tokens.revoke(p, randomUUID(), T0), false);
      // Another project sees nothing.
      assert.deepEqual(await store().tokens.listForProject(other), []);
    });

    it('a duplicate hash is UniqueViolation(token_hash), a duplicate id UniqueViolation(primary)', async () => {
      const [p, other] = await twoProjects(store());
      const t = token(p);
      await store().tokens.create(t);
      await assert.rejects(store().tokens.create(token(p, { tokenHash: t.tokenHash })), isUnique('token_hash'));
      // Token hashes are global (a token is looked up before its project is known).
      await assert.rejects(store().tokens.create(token(other, { tokenHash: t.tokenHash })), isUnique('token_hash'));
      await assert.rejects(store().tokens.create(token(p, { tokenId: t.tokenId })), isUnique('primary'));
      assert.deepStrictEqual(await store().tokens.listForProject(p), [t]);
      // Another project sees nothing.
      assert.deepEqual(await store().tokens.listForProject(other), []);
    });
  });
}

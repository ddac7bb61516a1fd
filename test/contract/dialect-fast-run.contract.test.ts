import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UniqueViolation } from '../../src/store/store-errors.js';
import { BACKENDS, failIfUnreachable, importedKeyRecord, probeBackends, twoProjects, useMigratedStore } from './contract-harness.js';

/**
 * SqlDialect.fastRun on SQLite, PostgreSQL and MariaDB: a write through a cached prepared statement
 * returns how many rows it changed (what insertMany's in-process path reads to know whether a row went
 * in), the same statement runs again with other parameters, and a driver error is translated.
 */
const gates = await probeBackends();

for (const backend of BACKENDS) {
  describe(`${backend}: fastRun`, { skip: gates[backend].skip }, () => {
    if (failIfUnreachable(gates[backend])) return;
    const store = useMigratedStore(backend);

    it('returns the number of rows changed, for each run of the same statement', async () => {
      const [p, other] = await twoProjects(store());
      const keys = [importedKeyRecord({ name: 'a' }), importedKeyRecord({ name: 'a' }), importedKeyRecord({ name: 'b' })];
      await store().keys(p).insertMany(keys, null);
      const theirs = importedKeyRecord({ name: 'a' });
      await store().keys(other).insertMany([theirs], null);
      const { db } = store().dialect;
      const rename = (from: string, to: string) => db.updateTable('api_keys').set({ name: to }).where('project_id', '=', p).where('name', '=', from).compile();
      assert.equal(await store().dialect.fastRun(rename('a', 'renamed')), 2);
      assert.equal(await store().dialect.fastRun(rename('a', 'renamed')), 0, 'nothing left to change');
      assert.equal(await store().dialect.fastRun(rename('b', 'renamed')), 1);
      assert.equal((await store().keys(p).getById(keys[0].keyId))?.name, 'renamed');
      assert.equal((await store().keys(other).getById(theirs.keyId))?.name, 'a', 'the other project is untouched');
    });

    it('translates a unique violation at the store boundary', async () => {
      const [p] = await twoProjects(store());
      const [a, b] = [importedKeyRecord(), importedKeyRecord()];
      await store().keys(p).insertMany([a, b], null);
      const clash = store()
        .dialect.db.updateTable('api_keys')
        .set({ lookup_hash: a.lookupHash })
        .where('project_id', '=', p)
        .where('key_id', '=', b.keyId)
        .compile();
      await assert.rejects(store().dialect.fastRun(clash), (e) => e instanceof UniqueViolation && e.constraint === 'lookup_hash');
      assert.equal((await store().keys(p).getById(b.keyId))?.lookupHash, b.lookupHash, 'nothing changed');
    });
  });
}

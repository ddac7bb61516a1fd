import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  assertOtherProjectSeesNoKeys,
  BACKENDS,
  failIfUnreachable,
  HOUR,
  importedKeyRecord,
  keyRecord,
  probeBackends,
  T0,
  twoProjects,
  useMigratedStore,
} from './contract-harness.js';

/**
 * KeyReader.scanLookupHashes — the keyset scan that builds the negative-cache filter — on SQLite,
 * PostgreSQL and MariaDB: every lookup hash of the project exactly once, ascending, any status, never
 * an issued key's (NULL) hash, never another project's.
 */
const gates = await probeBackends();

for (const backend of BACKENDS) {
  describe(`${backend}: scanLookupHashes`, { skip: gates[backend].skip }, () => {
    if (failIfUnreachable(gates[backend])) return;
    const store = useMigratedStore(backend);

    it('pages through every imported hash once, in ascending order, with any status', async () => {
      const [p, other] = await twoProjects(store());
      const keys = store().keys(p);
      const imported = Array.from({ length: 23 }, () => importedKeyRecord());
      await keys.insertMany(imported, null);
      await keys.insert(keyRecord()); // issued: NULL lookup hash, never scanned
      const revoked = imported[5];
      assert.equal(await keys.revoke('imported', revoked.keyId, { reason: 'KEY_COMPROMISE', description: null, at: T0 + HOUR }), true);
      // A legacy (plain SHA-256) digest is a lookup hash too.
      const legacy = importedKeyRecord({ lookupHash: randomBytes(32).toString('hex') });
      await keys.insert(legacy);
      await store().keys(other).insertMany([importedKeyRecord(), importedKeyRecord()], null);

      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const page = await keys.scanLookupHashes(after, 5);
        pages++;
        assert.ok(page.length <= 5, 'a page never exceeds the limit');
        if (!page.length) break;
        seen.push(...page);
        after = page[page.length - 1];
      }
      const expected = [...imported, legacy].map((k) => k.lookupHash as string).sort();
      assert.deepEqual(seen, expected, 'ascending, complete, no duplicates, revoked included');
      assert.equal(pages, Math.ceil(expected.length / 5) + 1, 'full pages, then one empty page');
      assert.deepEqual(await keys.scanLookupHashes(expected[expected.length - 1], 5), [], 'nothing after the last hash');
      assert.deepEqual(await keys.scanLookupHashes(expected[9], 2), expected.slice(10, 12), 'strictly after the cursor');
    });

    it('an empty project scans nothing; another project sees none of these hashes', async () => {
      const [p, other] = await twoProjects(store());
      assert.deepEqual(await store().keys(p).scanLookupHashes(null, 100), []);
      const k = importedKeyRecord();
      await store().keys(p).insert(k);
      assert.deepEqual(await store().keys(p).scanLookupHashes(null, 100), [k.lookupHash]);
      assert.deepEqual(await store().keys(other).scanLookupHashes(null, 100), [], 'another project sees nothing');
      await assertOtherProjectSeesNoKeys(store(), other, [k]);
    });

    it('a hostile cursor is a bound parameter, never SQL', async () => {
      const [p] = await twoProjects(store());
      const k = importedKeyRecord();
      await store().keys(p).insert(k);
      for (const cursor of [`' OR 1=1 --`, '\\', '%', '😀'])
        assert.ok(Array.isArray(await store().keys(p).scanLookupHashes(cursor, 10)), `cursor ${JSON.stringify(cursor)}`);
    });
  });
}

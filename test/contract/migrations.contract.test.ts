import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MIGRATIONS } from '../../src/store/sql/migrations/index.js';
import { createSqlStore, DsnError, migrateDown, migrateUp, migrationState, openDialect } from '../../src/store/sql/open-store.js';
import { StoreUnavailable } from '../../src/store/store-errors.js';
import { BACKENDS, failIfUnreachable, freshDatabase, keyRecord, probeBackends, projectRecord, T0 } from './contract-harness.js';

/** Migrations contract: the same cases on SQLite, PostgreSQL and MariaDB, plus DSN and availability errors. */
const gates = await probeBackends();
const ALL = Object.keys(MIGRATIONS).sort();
const LAST = ALL[ALL.length - 1];

for (const backend of BACKENDS) {
  describe(backend, { skip: gates[backend].skip }, () => {
    if (failIfUnreachable(gates[backend])) return;

    it('up, status, down and up again on a fresh database', async () => {
      const { store, cleanup } = await freshDatabase(backend);
      try {
        assert.deepEqual(await migrationState(store), {
          applied: [],
          pending: ALL,
        });

        assert.deepEqual(await migrateUp(store), ALL);
        assert.deepEqual(await migrationState(store), {
          applied: ALL,
          pending: [],
        });
        assert.deepEqual(await migrateUp(store), [], 'a second migrateUp is a no-op');
        await store.ping();

        const p = projectRecord();
        const other = projectRecord();
        await store.projects.create(p);
        await store.projects.create(other);
        const k = keyRecord();
        await store.keys(p.id).insert(k);
        assert.deepStrictEqual(await store.keys(p.id).getById(k.keyId), k);
        assert.equal(await store.keys(other.id).getById(k.keyId), undefined);

        // Down reverts exactly the last applied migration, one at a time.
        assert.deepEqual(await migrateDown(store), [LAST]);
        assert.deepEqual(await migrationState(store), {
          applied: ALL.slice(0, -1),
          pending: [LAST],
        });
        for (let n = ALL.length - 1; n > 0; n--) {
          assert.deepEqual(await migrateDown(store), [ALL[n - 1]]);
          assert.deepEqual(await migrationState(store), {
            applied: ALL.slice(0, n - 1),
            pending: ALL.slice(n - 1),
          });
        }
        // All reverted: the tables are gone.
        await assert.rejects(store.dialect.db.selectFrom('api_keys').select('key_id').execute());
        await assert.rejects(store.keys(p.id).getById(k.keyId));
        await assert.rejects(store.projects.getById(p.id));

        assert.deepEqual(await migrateUp(store), ALL);
        assert.deepEqual(await migrationState(store), {
          applied: ALL,
          pending: [],
        });
        // Recreated empty: neither project (nor any other) sees the old rows.
        assert.equal(await store.projects.getById(p.id), undefined);
        assert.equal(await store.keys(p.id).getById(k.keyId), undefined);
        assert.equal(await store.keys(other.id).getById(k.keyId), undefined);
        assert.deepEqual(await store.keys(other.id).list({ kind: 'issued', limit: 10, now: T0 }), []);
        await store.projects.create(p);
        await store.keys(p.id).insert(k);
        assert.deepStrictEqual(await store.keys(p.id).getById(k.keyId), k);
        // Another project sees nothing.
        assert.equal(await store.keys(other.id).getById(k.keyId), undefined);
      } finally {
        await cleanup();
      }
    });

    it('0003 marks exactly the projects that held imported keys as possibly holding legacy digests', async () => {
      const { store, cleanup } = await freshDatabase(backend);
      try {
        await migrateUp(store);
        assert.deepEqual(await migrateDown(store), ['0003_legacy_digest_marker']);
        const [withImported, withIssued, empty] = [projectRecord(), projectRecord(), projectRecord()];
        for (const p of [withImported, withIssued, empty]) await store.projects.create(p);
        await store.keys(withImported.id).insert(keyRecord({ kind: 'imported', tokenPrefix: null, lookupHash: 'ab'.repeat(32) }));
        await store.keys(withIssued.id).insert(keyRecord());
        assert.deepEqual(await migrateUp(store), ['0003_legacy_digest_marker']);
        assert.equal(await store.keys(withImported.id).mayHoldLegacyDigests(), true, 'its hashes cannot be told apart: marked');
        assert.equal(await store.keys(withIssued.id).mayHoldLegacyDigests(), false);
        assert.equal(await store.keys(empty.id).mayHoldLegacyDigests(), false);
        // Set only by markLegacyDigests, for that project alone, and idempotent.
        await store.keys(empty.id).markLegacyDigests();
        await store.keys(empty.id).markLegacyDigests();
        assert.equal(await store.keys(empty.id).mayHoldLegacyDigests(), true);
        assert.equal(await store.keys(withIssued.id).mayHoldLegacyDigests(), false);
        // A project that has no usage row at all is assumed to hold some.
        assert.equal(await store.keys('00000000-0000-4000-8000-000000000000').mayHoldLegacyDigests(), true);
      } finally {
        await cleanup();
      }
    });
  });
}

describe('DSN and availability errors', () => {
  it('an unknown scheme is a DsnError that does not reveal the password', () => {
    assert.throws(
      () => openDialect('foo://user:s3cret@host/db'),
      (e: unknown) => {
        assert.ok(e instanceof DsnError, String(e));
        assert.ok(!e.message.includes('s3cret'), e.message);
        assert.ok(!String(e.stack).includes('s3cret'));
        assert.match(e.message, /foo:\/\/user:\*\*\*@host\/db/);
        return true;
      },
    );
    // A password containing '@' is still masked completely.
    assert.throws(
      () => openDialect('foo://user:s3@cr@t@host/db'),
      (e: unknown) => e instanceof DsnError && !/s3|cr@t/.test(e.message),
    );
  });

  it('an unparsable PostgreSQL or MySQL DSN is a DsnError that does not carry the password', () => {
    for (const dsn of ['postgres://user:s3cr/et@host/db', 'mysql://root:s3cr/et@host/db']) {
      assert.throws(
        () => openDialect(dsn),
        (e: unknown) => {
          assert.ok(e instanceof DsnError, String(e));
          assert.ok(!JSON.stringify({ ...e, message: e.message }).includes('s3cr'), e.message);
          assert.ok(!String(e.stack).includes('s3cr'));
          return true;
        },
      );
    }
  });

  it('an unreachable PostgreSQL rejects ping() with StoreUnavailable and does not crash the process', async () => {
    const store = createSqlStore(openDialect('postgres://postgres:pw@127.0.0.1:1/x?connect_timeout=1'));
    try {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(store.ping(), (e: unknown) => {
          assert.ok(e instanceof StoreUnavailable, `expected StoreUnavailable, got ${String(e)}`);
          return true;
        });
      }
      await assert.rejects(store.projects.getById('x'), (e: unknown) => e instanceof StoreUnavailable);
      await assert.rejects(store.keys('x').getById('k'), (e: unknown) => e instanceof StoreUnavailable);
      // Give any stray 'error' event a chance to surface as an uncaught exception (it would fail this test).
      await sleep(200);
    } finally {
      await store.close();
    }
  });

  it('an unreachable MariaDB rejects ping() with StoreUnavailable and does not crash the process', async () => {
    const store = createSqlStore(openDialect('mysql://root:pw@127.0.0.1:1/x?connect_timeout=1'));
    try {
      await assert.rejects(store.ping(), (e: unknown) => e instanceof StoreUnavailable);
      await assert.rejects(store.projects.getById('x'), (e: unknown) => e instanceof StoreUnavailable);
      await assert.rejects(store.keys('x').getById('k'), (e: unknown) => e instanceof StoreUnavailable);
      await sleep(200);
    } finally {
      await store.close();
    }
  });
});

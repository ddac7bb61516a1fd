import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createSqlStore, migrateUp, openDialect } from '../../src/store/sql/open-store.js';

/**
 * SQLite has one connection: a standalone write through a prepared statement must not land inside
 * another request's open transaction (and be rolled back with it) — it waits for that transaction.
 */
describe('SQLite fastWrite while another transaction is open', () => {
  it('an audit event written during a transaction that then rolls back is kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-fastwrite-'));
    const dialect = openDialect(`sqlite://${dir}/k.db`);
    const store = createSqlStore(dialect);
    try {
      await migrateUp(store);
      let release: () => void = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      const trx = dialect.db
        .transaction()
        .execute(async (t) => {
          await sql`SELECT 1`.execute(t);
          await held; // the transaction is open on the one connection while the audit write happens
          throw new Error('roll back');
        })
        .catch(() => 'rolled back');
      await new Promise((r) => setTimeout(r, 10));
      const event = {
        eventId: '0190a0a0-0000-7000-8000-00000000000a',
        at: 1,
        action: 'key.revoke',
        actor: 'test',
        keyId: null,
        reason: null,
        requestId: null,
        details: {},
      };
      const write = store.audit.append('p1', [event]);
      release();
      await write;
      assert.equal(await trx, 'rolled back');
      const events = await store.audit.list('p1', { limit: 10 });
      assert.deepEqual(
        events.map((e) => e.eventId),
        [event.eventId],
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { AuditBatcher } from '../../src/audit/audit-batcher.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { systemClock } from '../../src/shared/clock.js';
import { systemIds, uuidV7 } from '../../src/shared/ids.js';
import type { AuditStore } from '../../src/store/ports.js';
import type { AuditEvent } from '../../src/store/records.js';
import { createSqlStore, migrateUp, openDialect, type SqlStore } from '../../src/store/sql/open-store.js';
import { createProject } from '../contract/contract-harness.js';

/** Group commit of audit events, on a real SQLite file. */
describe('AuditBatcher', () => {
  let dir: string;
  let store: SqlStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keysmith-audit-batch-'));
    store = createSqlStore(openDialect(`sqlite://${join(dir, 'k.db')}`));
    await migrateUp(store);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The real audit store, counting the appends (transactions) it is asked for. */
  function counting(failWhen: (events: AuditEvent[]) => boolean = () => false): AuditStore & { appends: number[] } {
    const appends: number[] = [];
    return {
      appends,
      append: async (projectId, events) => {
        appends.push(events.length);
        if (failWhen(events)) throw new Error('disk full');
        await store.audit.append(projectId, events);
      },
      list: (p, q) => store.audit.list(p, q),
      purgeBefore: (at) => store.audit.purgeBefore(at),
    };
  }
  let n = 0;
  const event = (action: string): AuditEvent => ({
    eventId: uuidV7(1_800_000_000_000 + n++),
    at: 1_800_000_000_000,
    action,
    actor: 'token:t1',
    keyId: null,
    reason: null,
    requestId: null,
    details: { n },
  });

  it('writes the events of one event-loop turn in one append, each caller answered once it is stored', async () => {
    const p = await createProject(store);
    const audit = counting();
    const batcher = new AuditBatcher(audit);
    const events = Array.from({ length: 40 }, (_, i) => event(`a.${i}`));
    await Promise.all(
      events.map(async (e) => {
        await batcher.write(p, e);
        // Answered only once the row is there.
        const rows = await store.audit.list(p, { limit: 100 });
        assert.ok(rows.some((r) => r.eventId === e.eventId));
      }),
    );
    assert.deepEqual(audit.appends, [40], 'one transaction for the whole turn');
    const stored = await store.audit.list(p, { limit: 100 });
    assert.deepEqual(
      stored.map((r) => r.action).reverse(),
      events.map((e) => e.action),
      'every event once, in order',
    );
  });

  it('keeps projects apart and fails only the events of an append that failed', async () => {
    const [p, q] = [await createProject(store), await createProject(store)];
    const audit = counting((events) => events.some((e) => e.action === 'poison'));
    const batcher = new AuditBatcher(audit);
    const results = await Promise.allSettled([batcher.write(p, event('ok.p')), batcher.write(q, event('poison')), batcher.write(q, event('lost.q'))]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'rejected'],
    );
    assert.deepEqual(audit.appends, [1, 2], 'one append per project');
    assert.deepEqual(
      (await store.audit.list(p, { limit: 10 })).map((r) => r.action),
      ['ok.p'],
    );
    assert.deepEqual(await store.audit.list(q, { limit: 10 }), [], 'nothing half-written');
    // The batcher goes on after a failure.
    await batcher.write(q, event('later'));
    assert.deepEqual(
      (await store.audit.list(q, { limit: 10 })).map((r) => r.action),
      ['later'],
    );
  });

  it('events that arrive while a commit runs go into the next one; drain waits for all', async () => {
    const p = await createProject(store);
    const audit = counting();
    const batcher = new AuditBatcher(audit);
    const first = batcher.write(p, event('first'));
    await new Promise((r) => setImmediate(r)); // the first commit has started
    const later = [batcher.write(p, event('second')), batcher.write(p, event('third'))];
    await batcher.drain();
    await Promise.all([first, ...later]);
    assert.equal(
      audit.appends.reduce((a, b) => a + b, 0),
      3,
    );
    assert.ok(audit.appends.length <= 2, `appends: ${audit.appends}`);
    assert.equal((await store.audit.list(p, { limit: 10 })).length, 3);
  });

  it('a caller that writes again as soon as its last event is stored is never left waiting', async () => {
    const p = await createProject(store);
    const audit = counting();
    const batcher = new AuditBatcher(audit);
    // As AuditLog.flushFailures does: one event after another, each awaited through a few promise hops.
    const writeVia = async (e: AuditEvent) => {
      await batcher.write(p, e);
    };
    const sequence = (async () => {
      for (let i = 0; i < 20; i++) await writeVia(event(`seq.${i}`));
    })();
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('a write was never committed')), 5000);
    });
    try {
      await Promise.race([sequence, stuck]);
    } finally {
      clearTimeout(timer);
    }
    assert.equal((await store.audit.list(p, { limit: 100 })).length, 20);
  });

  it('AuditLog.record never fails its caller: a failed write is logged without the event', async () => {
    const p = await createProject(store);
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (l: string) => lines.push(l) });
    const log = new AuditLog(
      counting(() => true),
      systemClock,
      systemIds,
      logger,
    );
    await log.record(p, { action: 'key.revoke', actor: 'token:t1', keyId: 'k1', details: { secret: 'never-logged' } });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /audit write failed/);
    assert.doesNotMatch(lines[0], /never-logged/);
    await log.close();
  });
});

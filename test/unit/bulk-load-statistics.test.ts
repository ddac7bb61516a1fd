import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BulkLoadStatistics } from '../../src/store/sql/dialects/pg-statistics.js';

/** When PostgreSQL's statistics are refreshed after bulk inserts (the contract test shows why). */
describe('BulkLoadStatistics', () => {
  function harness(estimates: (number | Error)[]) {
    let calls = 0;
    const releases: (() => void)[] = [];
    const stats = new BulkLoadStatistics(
      () =>
        new Promise<number>((resolve, reject) => {
          const answer = estimates[calls++];
          releases.push(() => (answer instanceof Error ? reject(answer) : resolve(answer)));
        }),
    );
    return {
      stats,
      calls: () => calls,
      async finish() {
        releases.shift()?.();
        await stats.settle();
      },
    };
  }

  it('analyzes once 1,000 rows went in, then after 10 % of the table as estimated', async () => {
    const h = harness([1_000, 50_000, 600_000]);
    h.stats.noteInserted(999);
    assert.equal(h.calls(), 0);
    h.stats.noteInserted(1);
    assert.equal(h.calls(), 1, 'the 1,000th row starts the first ANALYZE');
    await h.finish();
    h.stats.noteInserted(999);
    assert.equal(h.calls(), 1, 'a table of 1,000 rows: the floor of 1,000 holds');
    h.stats.noteInserted(1);
    assert.equal(h.calls(), 2);
    await h.finish();
    h.stats.noteInserted(4_999);
    assert.equal(h.calls(), 2, '50,000 rows: the next one after 5,000');
    h.stats.noteInserted(1);
    assert.equal(h.calls(), 3);
  });

  it('runs one ANALYZE at a time; rows inserted meanwhile count toward the next', async () => {
    const h = harness([100_000, 100_000]);
    h.stats.noteInserted(1_000);
    h.stats.noteInserted(50_000);
    assert.equal(h.calls(), 1, 'no second ANALYZE while the first runs');
    await h.finish();
    h.stats.noteInserted(1);
    assert.equal(h.calls(), 2, '50,001 rows since the last one ≥ 10 % of 100,000');
  });

  it('a failed ANALYZE is retried at the next bulk insert past the same threshold', async () => {
    const h = harness([new Error('statement timeout'), 10_000]);
    h.stats.noteInserted(1_000);
    await h.finish();
    h.stats.noteInserted(999);
    assert.equal(h.calls(), 1);
    h.stats.noteInserted(1);
    assert.equal(h.calls(), 2);
    await h.finish();
  });
});

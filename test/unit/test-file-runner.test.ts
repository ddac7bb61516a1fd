import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain .mjs script without type declarations
import { runTestFile } from '../../scripts/run-test-file.mjs';

/**
 * The suite's own runner (scripts/test.mjs runs every file through runTestFile). What it reports is the
 * suite's result, so it must count every verdict: with `--test-force-exit`, Node 20's `node --test`
 * dropped the end of a file's report now and then, exit status 0 (nodejs/node#64833). A run of this
 * fixture lost 8–12 of its 1,000 verdicts in about one run in ten.
 */
type Result = { pass: number; fail: number; skip: number; output: string; note: string };
const run = (fixture: string, budgetMs = 60_000): Promise<Result> =>
  runTestFile(`test/fixtures/test-runner/${fixture}.ts`, { budgetMs, testTimeoutMs: 30_000 });

describe('test file runner (scripts/run-test-file.mjs)', () => {
  it('counts every one of 1,000 verdicts, run after run, two files at a time as the suite runs them', async () => {
    const counts: number[] = [];
    for (let round = 0; round < 10; round++) {
      const pair = await Promise.all([run('many-verdicts'), run('many-verdicts')]);
      for (const r of pair) counts.push(r.pass + r.fail);
      for (const r of pair) assert.equal(r.fail, 0, r.note);
    }
    assert.deepEqual(
      counts.filter((n) => n !== 1000),
      [],
      `runs that lost verdicts, of ${counts.length}`,
    );
  });

  it('counts a failing test as a failure', async () => {
    const r = await run('one-failure');
    assert.equal(r.pass, 1);
    assert.equal(r.fail, 1);
    assert.match(r.output, /fails/);
  });

  it('kills a file that never exits (a handle left open) when its time is up, and counts it as a failure by name', async () => {
    const started = Date.now();
    const r = await run('leaked-handle', 4000);
    assert.ok(Date.now() - started < 15_000, 'killed, not waited for');
    assert.match(r.output, /✔ passes and leaves a handle open/, 'its test ran and passed');
    assert.equal(r.fail, 1, 'the file failed');
    assert.match(r.note, /leaked-handle\.ts: still running after 4 s, killed/);
  });
});

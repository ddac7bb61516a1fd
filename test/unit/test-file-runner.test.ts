import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain .mjs script without type declarations
import { failureDigest, runTestFile, runTestFileAllowingOneHang } from '../../scripts/run-test-file.mjs';

/**
 * The suite's own runner (scripts/test.mjs runs every file through runTestFile). What it reports is the
 * suite's result, so it must count every verdict: with `--test-force-exit`, Node 20's `node --test`
 * dropped the end of a file's report now and then, exit status 0 (nodejs/node#64833). A run of this
 * fixture lost 8–12 of its 1,000 verdicts in about one run in ten.
 */
type Result = { pass: number; fail: number; skip: number; output: string; note: string; hang: string | null; hungOnce?: string | null };
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

  it('the digest of a failing file names the failing test and its assertion', async () => {
    const r = await run('one-failure');
    const digest: string = failureDigest(r.output);
    assert.match(digest, /✖ fails/);
    assert.match(digest, /AssertionError/);
    assert.doesNotMatch(digest, /✔/, 'passing tests are left out');
  });

  it('an error thrown after its test ended fails the file, and the digest says what it was', async () => {
    const r = await run('late-error');
    assert.equal(r.fail, 1, r.output);
    const digest: string = failureDigest(r.output);
    assert.match(digest, /asynchronous activity after the test ended/);
    assert.match(digest, /thrown after the test ended/);
    assert.match(digest, /late-error\.ts/);
  });

  it('a digest is capped, and a crash without a report keeps its last lines', () => {
    const long = ['✖ failing tests:', ...Array.from({ length: 200 }, (_, i) => `line ${i}`)].join('\n');
    const capped = failureDigest(long, 10).trim().split('\n');
    assert.equal(capped.length, 11);
    assert.equal(capped.at(-1), '… 190 more line(s)');
    const crash = Array.from({ length: 100 }, (_, i) => `out ${i}`).join('\n');
    assert.match(failureDigest(crash), /out 99/);
    assert.doesNotMatch(failureDigest(crash), /out 50\n/);
  });

  it('kills a file that never exits (a handle left open) when its time is up, and counts it as a failure by name', async () => {
    const started = Date.now();
    const r = await run('leaked-handle', 4000);
    assert.ok(Date.now() - started < 15_000, 'killed, not waited for');
    assert.match(r.output, /✔ passes and leaves a handle open/, 'its test ran and passed');
    assert.equal(r.fail, 1, 'the file failed');
    assert.match(r.note, /leaked-handle\.ts: still running after 4 s, killed/);
    assert.match(r.hang ?? '', /--test-reporter=spec test\/fixtures\/test-runner\/leaked-handle\.ts/, 'the hung process reported');
    assert.match(r.hang ?? '', /handles keeping it alive: \n\s+timer \(fires in/, 'the timer that keeps it alive is named');
  });

  describe('a file that hangs is diagnosed, killed and run once more', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keysmith-runner-'));
    const once = (fixture: string, env: NodeJS.ProcessEnv = process.env): Promise<Result> =>
      runTestFileAllowingOneHang(`test/fixtures/test-runner/${fixture}.ts`, { env, budgetMs: 4000, testTimeoutMs: 30_000 });

    it("a hang that does not come back: the second run decides, the first run's diagnostics are kept", async () => {
      const r = await once('hangs-once', { ...process.env, KEYSMITH_FIXTURE_MARK: join(dir, 'mark') });
      assert.equal(r.fail, 0, r.note);
      assert.equal(r.pass, 1);
      assert.match(r.hungOnce ?? '', /hangs-once\.ts: hung \(FAIL .*still running after 4 s, killed\); run again, it passed/);
      assert.match(r.hungOnce ?? '', /process \d+: \S+ .*test\/fixtures\/test-runner\/hangs-once\.ts\n\s+main thread:/, "the file's own process reported");
      assert.match(r.hungOnce ?? '', /handles keeping it alive: \n(\s+.*\n)*\s+tcp 127\.0\.0\.1:\d+ \(listening\)/, 'the listening server is named');
    });

    it('a hang that comes back fails the file', async () => {
      const r = await once('leaked-handle');
      assert.equal(r.fail, 1);
      assert.match(r.note, /still running after 4 s, killed/);
      assert.match(r.hungOnce ?? '', /run again, it failed too/);
    });

    it('a hang after a failed test is not run again', async () => {
      const r = await once('fails-then-hangs');
      assert.equal(r.fail, 1, 'killed before its summary: the hang counts');
      assert.match(r.output, /✖ fails, and leaves a handle open/);
      assert.equal(r.hungOnce, null);
      rmSync(dir, { recursive: true, force: true });
    });
  });
});

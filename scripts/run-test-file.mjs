// Runs one test file in its own `node --test` process group and reads its verdict counts: the piece of
// scripts/test.mjs that decides what a file's run counts as, on its own so that it can be tested
// (test/unit/test-file-runner.test.ts).
//
// No `--test-force-exit`: with it, Node 20's `node --test` parent can exit before it has read the whole
// report stream of the file's child process, and the tests at the end of a file then vanish from the
// summary, exit status 0 (nodejs/node#64833; seen here: 3,307 of 3,321 tests reported by one CI run).
// A file that leaves a handle open (and so never exits) is killed when its time is up and counted as a
// failure, by name: a leaked handle is a defect to fix, not to hide.
import { spawn } from 'node:child_process';

/** Children running now, killed with their groups on Ctrl-C (which reaches only our own group). */
const running = new Set();

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
}

export function killAll() {
  for (const child of running) killGroup(child);
}

/**
 * Runs `file` with the spec reporter; resolves when it has ended, with its counts from the reporter's
 * summary and its whole output. A file still running after `budgetMs` is killed with everything it
 * started; a file that exits non-zero without reporting a failure counts one.
 * @returns {Promise<{ pass: number, fail: number, skip: number, output: string, note: string, seconds: number }>}
 */
export function runTestFile(file, { env = process.env, budgetMs, testTimeoutMs }) {
  const started = Date.now();
  // Run under a test runner itself (its own test does), the file would report in that runner's format.
  const { NODE_TEST_CONTEXT: _, ...childEnv } = env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-timeout=${testTimeoutMs}`, '--test-reporter=spec', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv,
      detached: true,
    });
    running.add(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, budgetMs);
    child.once('exit', (status, signal) => {
      clearTimeout(timer);
      running.delete(child);
      killGroup(child); // whatever the file left behind goes too
      // Output still in the pipes arrives before 'close'; a grandchild holding them open is not waited for.
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        child.stdout.destroy();
        child.stderr.destroy();
        const last = (k) => Number([...out.matchAll(new RegExp(`^\\S* ?${k} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
        const counts = { pass: last('pass'), fail: last('fail') + last('cancelled'), skip: last('skipped') + last('todo') };
        let note = '';
        if (timedOut) note = `FAIL ${file}: still running after ${Math.round(budgetMs / 1000)} s, killed\n`;
        else if (status !== 0 && counts.fail === 0) note = `FAIL ${file}: exited with ${status ?? signal} without reporting a failure\n`;
        if (note) counts.fail += 1;
        resolve({ ...counts, output: out, note, seconds: (Date.now() - started) / 1000 });
      };
      const grace = setTimeout(finish, 2000);
      child.once('close', () => {
        clearTimeout(grace);
        finish();
      });
    });
  });
}

/**
 * What a failed file's output says about its failures, short enough to repeat at the end of the run
 * (CI shows only the tail of a long log): the reporter's "failing tests" section, the runner's own
 * diagnostics (e.g. an error thrown after its test ended, which fails the file by its path), or, when
 * the file printed neither (a crash), its last lines.
 * @param {string} output
 * @param {number} [maxLines]
 * @returns {string}
 */
export function failureDigest(output, maxLines = 60) {
  const lines = output.split('\n');
  const diagnostics = lines.filter((l) => /^ℹ (Error|Warning)\b/.test(l) || /generated asynchronous activity/.test(l));
  const start = lines.findLastIndex((l) => l.startsWith('✖ failing tests:'));
  const body = start >= 0 ? lines.slice(start + 1) : lines.slice(-40);
  const picked = [...diagnostics, ...body.filter((l) => l.trim() !== '')];
  const cut = picked.length > maxLines ? [...picked.slice(0, maxLines), `… ${picked.length - maxLines} more line(s)`] : picked;
  return `${cut.join('\n')}\n`;
}

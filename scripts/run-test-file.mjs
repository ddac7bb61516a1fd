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
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Children running now, killed with their groups on Ctrl-C (which reaches only our own group). */
const running = new Set();

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {}
}

export function killAll() {
  for (const child of running) signalGroup(child, 'SIGKILL');
}

/**
 * Runs `file` with the spec reporter; resolves when it has ended, with its counts from the reporter's
 * summary and its whole output. A file still running after `budgetMs` is hung: every Node process of
 * its group is asked for a diagnostic report (SIGUSR2, `--report-on-signal` in NODE_OPTIONS: the
 * JavaScript stack of each thread, tsx's loader thread included, and the live libuv handles), then the
 * group is killed, the file counts one failure and `hang` holds what the reports say. A file that exits
 * non-zero without reporting a failure counts one.
 * @returns {Promise<{ pass: number, fail: number, skip: number, output: string, note: string, seconds: number, hang: string | null, failedTests: number }>}
 */
export function runTestFile(file, { env = process.env, budgetMs, testTimeoutMs }) {
  const started = Date.now();
  const reports = mkdtempSync(join(tmpdir(), 'keysmith-test-report-'));
  // Run under a test runner itself (its own test does), the file would report in that runner's format.
  const { NODE_TEST_CONTEXT: _, ...childEnv } = env;
  childEnv.NODE_OPTIONS = `${childEnv.NODE_OPTIONS ?? ''} --report-on-signal --report-signal=SIGUSR2 --report-directory="${reports}"`.trim();
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
    // Set when the budget is spent: the reports' summary, once the group has been killed.
    let hangReport = null;
    const timer = setTimeout(() => {
      const members = groupMembers(child.pid);
      signalGroup(child, 'SIGUSR2');
      hangReport = collectReports(reports, members).finally(() => signalGroup(child, 'SIGKILL'));
    }, budgetMs);
    child.once('exit', (status, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (!hangReport) signalGroup(child, 'SIGKILL'); // whatever the file left behind goes too
      // Output still in the pipes arrives before 'close'; a grandchild holding them open is not waited for.
      let finished = false;
      const finish = async () => {
        if (finished) return;
        finished = true;
        const hang = hangReport ? await hangReport : null;
        child.stdout.destroy();
        child.stderr.destroy();
        rmSync(reports, { recursive: true, force: true });
        const last = (k) => Number([...out.matchAll(new RegExp(`^\\S* ?${k} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
        const counts = { pass: last('pass'), fail: last('fail') + last('cancelled'), skip: last('skipped') + last('todo') };
        // A killed file printed no summary: its failures are the ✖ lines the reporter wrote before the kill.
        const failedTests = counts.fail || out.split('\n').filter((l) => /^\s*✖ (?!failing tests:)/.test(l)).length;
        let note = '';
        if (hang !== null) note = `FAIL ${file}: still running after ${Math.round(budgetMs / 1000)} s, killed\n`;
        else if (status !== 0 && counts.fail === 0) note = `FAIL ${file}: exited with ${status ?? signal} without reporting a failure\n`;
        if (note) counts.fail += 1;
        resolve({ ...counts, output: out, note, seconds: (Date.now() - started) / 1000, hang, failedTests });
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
 * `runTestFile`, and once more when the file hung before any of its tests failed. A hang we could not
 * reproduce (one in hundreds of CI runs, in a file that takes a second: see docs/testing.md) must not
 * decide the run, but it must not vanish either: `hungOnce` carries the first run's diagnostics, which
 * the runner prints at the end of the run whatever the second run says. A file that hangs every time
 * (a handle left open, a deadlock) still fails, by name.
 */
export async function runTestFileAllowingOneHang(file, opts) {
  const first = await runTestFile(file, opts);
  if (first.hang === null || first.failedTests > 0) return { ...first, hungOnce: null };
  const second = await runTestFile(file, opts);
  const hungOnce = `${file}: hung (${first.note.trim()}); run again, it ${second.fail ? 'failed too' : 'passed'}.\n${hangLines(first)}`;
  return { ...second, output: `${first.output}\n[hung, killed; run again]\n${second.output}`, hungOnce };
}

const hangLines = (r) =>
  `  its output before the kill ended with:\n${r.output
    .trim()
    .split('\n')
    .slice(-8)
    .map((l) => `    | ${l}`)
    .join('\n')}\n${r.hang}`;

/** The processes of a process group, pid → command line (from /proc; empty where there is none). */
function groupMembers(pgid) {
  const members = new Map();
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return members;
  }
  for (const pid of pids) {
    try {
      // Fields after the parenthesised command: state, ppid, pgrp.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue;
      members.set(Number(pid), readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {}
  }
  return members;
}

/**
 * Waits for the reports asked for (until none is added for 400 ms, at most 4 s), then summarises them,
 * and names the group's processes that wrote none: Node answers SIGUSR2 from its event loop, so a thread
 * busy in JavaScript that never yields cannot answer (nor can a process that is not Node).
 */
async function collectReports(dir, members) {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  let seen = -1;
  for (let waited = 0; waited < 4000; waited += 400) {
    await sleep(400);
    const n = readdirSync(dir).length;
    if (n > 0 && n === seen) break;
    seen = n;
  }
  const summaries = [];
  const answered = new Set();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    try {
      const report = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      answered.add(report.header?.processId);
      summaries.push(summariseReport(report));
    } catch (e) {
      summaries.push(`  ${name}: unreadable (${e.message})`);
    }
  }
  for (const [pid, cmd] of members)
    if (!answered.has(pid)) summaries.push(`  process ${pid}: ${short(cmd)}\n    wrote no report: busy in JavaScript that never yields, or not a Node process`);
  return `${summaries.join('\n')}\n`;
}

const short = (cmd) => (cmd.length > 160 ? `${cmd.slice(0, 160)}…` : cmd);

/** What a Node diagnostic report says about a hang: what each thread was running, what keeps the loop alive. */
export function summariseReport(r) {
  const out = [`  process ${r.header?.processId}: ${short((r.header?.commandLine ?? []).join(' '))}`];
  const stack = (thread) => {
    const frames = (thread.javascriptStack?.stack ?? []).filter((f) => f.trim() !== '');
    return frames.length ? frames.slice(0, 12).map((f) => `      ${f.trim()}`) : ['      (no JavaScript running: the event loop is waiting)'];
  };
  out.push('    main thread:', ...stack(r));
  const idle = new Set(['async', 'check', 'prepare', 'idle', 'loop', 'signal']);
  const handles = (r.libuv ?? []).filter((h) => h.is_active && h.is_referenced !== false && !idle.has(h.type));
  const where = (e) => `${e.ip4 ?? e.ip6 ?? e.host}:${e.port}`;
  out.push(
    `    handles keeping it alive: ${handles.length ? '' : 'none'}`,
    ...handles
      .slice(0, 20)
      .map((h) =>
        h.type === 'tcp' && h.localEndpoint
          ? `      tcp ${where(h.localEndpoint)}${h.remoteEndpoint ? ` → ${where(h.remoteEndpoint)}` : ' (listening)'}`
          : h.type === 'timer'
            ? `      timer (fires in ${h.firesInMsFromNow} ms)`
            : `      ${h.type}`,
      ),
  );
  for (const [i, w] of (r.workers ?? []).entries()) out.push(`    worker thread ${i + 1}:`, ...stack(w));
  return out.join('\n');
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

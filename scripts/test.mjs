#!/usr/bin/env node
// The one test command (npm test; .ci/run calls it). Runs every suite in phases and prints one closing
// line "N passed, N failed". `--fast` runs the seconds-long subset (unit + API on SQLite).
// The API suites run once per database backend (KEYSMITH_TEST_DB). Under CI=true an unreachable
// PostgreSQL or MariaDB fails the run; locally it is skipped with a clear message.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { failureDigest, killAll, runTestFileAllowingOneHang } from './run-test-file.mjs';

const fast = process.argv.includes('--fast');
// A hang must fail the run, never stall it. Each test file runs in its own `node --test` process group
// (run-test-file.mjs). A file still running after FILE_TIMEOUT_MS (the longest takes ~30 s) is hung:
// its processes are asked for diagnostic reports, killed with everything they started, and the file is
// run once more — a hang that comes back fails the run by name; one that does not is printed at the end
// with its diagnostics (docs/testing.md). TEST_TIMEOUT_MS is node's own per-test limit, a backstop
// above the file's. No file starts once the run has used RUN_BUDGET_MS.
// The whole suite normally takes ~5 minutes.
const TEST_TIMEOUT_MS = 240_000;
const FILE_TIMEOUT_MS = Number(process.env.KEYSMITH_TEST_FILE_TIMEOUT_MS) || 120_000;
const RUN_BUDGET_MS = 45 * 60_000;
const startedAt = Date.now();
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const ci = process.env.CI === 'true';
// The same default as test/helpers/browser.ts.
const CHROMIUM = process.env.KEYSMITH_CHROMIUM ?? '/usr/bin/chromium';

function files(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function reachable(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, timeout: 1500 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

const phases = [
  { name: 'unit', files: files('test/unit') },
  { name: 'api (sqlite)', files: files('test/api'), env: { KEYSMITH_TEST_DB: 'sqlite' } },
  { name: 'sdk', files: files('test/sdk') },
];
if (!fast) {
  phases.push(
    { name: 'contract', files: files('test/contract'), needs: [5432, 3306, 6379] },
    { name: 'api (postgres)', files: files('test/api'), env: { KEYSMITH_TEST_DB: 'postgres' }, needs: [5432] },
    { name: 'api (mysql)', files: files('test/api'), env: { KEYSMITH_TEST_DB: 'mysql' }, needs: [3306] },
    { name: 'e2e', files: files('test/e2e'), needs: [5432], concurrency: 1 },
    // The web console in Debian's chromium (scripts/test-env.sh installs it); builds dist/console first if missing.
    { name: 'browser', files: files('test/browser'), concurrency: 1, needsFile: CHROMIUM },
  );
}

// A fresh machine gets what a full run needs (services started, chromium installed) from the README's
// test command itself, not from a manual step: scripts/test-env.sh, idempotent; KEYSMITH_TEST_SETUP=0 skips it.
// Only when a selected phase needs a service or chromium (`--only=unit` never installs anything).
const needsSetup = phases.some((p) => (!only || p.name.startsWith(only)) && (p.needs || p.needsFile));
if (needsSetup && process.env.KEYSMITH_TEST_SETUP !== '0') spawnSync('bash', ['scripts/test-env.sh'], { stdio: 'inherit' });

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const totals = { pass: 0, fail: 0, skip: 0 };
const failedPhases = [];
if (!fast && !only) {
  // Static checks first: types (tsc) and lint/format (biome); each counts as one test.
  for (const [name, cmd, args] of [
    ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
    ['lint', 'npx', ['biome', 'check', 'src', 'test', 'bench', 'scripts']],
    ['typecheck console', 'npx', ['tsc', '-p', 'console/tsconfig.json']],
  ]) {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status === 0) totals.pass += 1;
    else {
      console.error(`FAIL ${name}`);
      totals.fail += 1;
      failedPhases.push(name);
    }
  }
}
// Ctrl-C reaches only our own process group: take the files' groups down with us.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });

const failedFiles = [];
// Repeated just above the closing line, where a long log's tail (all CI may show) still holds them.
const failureDetails = [];
// Files that hung once and were run again: printed at the end whatever the second run said.
const hangs = [];
for (const phase of phases) {
  if (only && !phase.name.startsWith(only)) continue;
  if (!phase.files.length) continue;
  const missing = [];
  for (const port of phase.needs ?? []) if (!(await reachable(port))) missing.push(`port ${port} unreachable`);
  if (phase.needsFile && !executable(phase.needsFile)) missing.push(`${phase.needsFile} missing`);
  if (missing.length) {
    const msg = `phase "${phase.name}": ${missing.join(', ')}`;
    if (ci) {
      console.error(`FAIL ${msg} (CI=true: an unreachable backend is a failure)`);
      totals.fail += 1;
      failedPhases.push(phase.name);
    } else console.error(`SKIP ${msg} — scripts/test-env.sh starts and installs what it needs (as root), or see README`);
    continue;
  }
  console.log(`\n=== ${phase.name}: ${phase.files.length} file(s) ===`);
  const queue = [...phase.files];
  let phaseFailed = false;
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const r = await runFile(file, { ...process.env, ...phase.env });
      totals.pass += r.pass;
      totals.fail += r.fail;
      totals.skip += r.skip;
      if (r.fail) {
        phaseFailed = true;
        const name = `${file}${phase.env?.KEYSMITH_TEST_DB ? ` (${phase.env.KEYSMITH_TEST_DB})` : ''}`;
        failedFiles.push(name);
        failureDetails.push(`── ${name}\n${r.note}${failureDigest(r.output)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: phase.concurrency ?? 2 }, worker));
  if (phaseFailed) failedPhases.push(phase.name);
}

/** Runs one file within what is left of the run's budget and prints its output in one piece (two files run side by side). */
async function runFile(file, env) {
  const left = RUN_BUDGET_MS - (Date.now() - startedAt);
  if (left <= 0) {
    console.log(`\nFAIL ${file}: not started, the run has used its ${RUN_BUDGET_MS / 60_000} minutes`);
    return { pass: 0, fail: 1, skip: 0 };
  }
  const r = await runTestFileAllowingOneHang(file, { env, budgetMs: Math.min(FILE_TIMEOUT_MS, left), testTimeoutMs: TEST_TIMEOUT_MS });
  if (r.hungOnce) hangs.push(r.hungOnce);
  process.stdout.write(`\n── ${file} (${r.seconds.toFixed(1)} s)\n${r.output}${r.output.endsWith('\n') ? '' : '\n'}${r.note}`);
  return r;
}

if (hangs.length) console.error(`\n=== hung, killed and run again (diagnostics of the hung run) ===\n\n${hangs.join('\n')}`);
if (failureDetails.length) console.error(`\n=== what failed ===\n\n${failureDetails.join('\n')}`);
if (failedFiles.length) console.error(`\nfailed files:\n  ${failedFiles.join('\n  ')}`);
if (failedPhases.length) console.error(`\nfailed phases: ${failedPhases.join(', ')}`);
console.log(`\n${totals.pass} passed, ${totals.fail} failed, ${totals.skip} skipped`);
process.exit(totals.fail > 0 || failedPhases.length ? 1 : 0);

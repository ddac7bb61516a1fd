#!/usr/bin/env node
// The one test command (npm test; .ci/run calls it). Runs every suite in phases and prints one closing
// line "N passed, N failed". `--fast` runs the seconds-long subset (unit + API on SQLite).
// The API suites run once per database backend (KEYSMITH_TEST_DB). Under CI=true an unreachable
// PostgreSQL or MariaDB fails the run; locally it is skipped with a clear message.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

const fast = process.argv.includes('--fast');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const ci = process.env.CI === 'true';

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
    // The web console in Debian's chromium (.ci/run installs it); builds dist/console first if missing.
    { name: 'browser', files: files('test/browser'), concurrency: 1 },
  );
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
const tmp = mkdtempSync(join(tmpdir(), 'keysmith-tap-'));
for (const [i, phase] of phases.entries()) {
  if (only && !phase.name.startsWith(only)) continue;
  if (!phase.files.length) continue;
  const missing = [];
  for (const port of phase.needs ?? []) if (!(await reachable(port))) missing.push(port);
  if (missing.length) {
    const msg = `phase "${phase.name}": service(s) on port ${missing.join(', ')} unreachable`;
    if (ci) {
      console.error(`FAIL ${msg} (CI=true: an unreachable backend is a failure)`);
      totals.fail += 1;
      failedPhases.push(phase.name);
    } else console.error(`SKIP ${msg} — start them (see README) to run it`);
    continue;
  }
  console.log(`\n=== ${phase.name}: ${phase.files.length} file(s) ===`);
  const tap = join(tmp, `phase-${i}.tap`);
  const res = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${phase.concurrency ?? 2}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...phase.files,
    ],
    { stdio: 'inherit', env: { ...process.env, ...phase.env } },
  );
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  totals.pass += count('pass');
  totals.fail += count('fail') + count('cancelled');
  totals.skip += count('skipped') + count('todo');
  if (res.status !== 0) {
    failedPhases.push(phase.name);
    if (count('fail') + count('cancelled') === 0) totals.fail += 1; // crashed without reporting
  }
}
if (failedPhases.length) console.error(`\nfailed phases: ${failedPhases.join(', ')}`);
console.log(`\n${totals.pass} passed, ${totals.fail} failed, ${totals.skip} skipped`);
process.exit(totals.fail > 0 || failedPhases.length ? 1 : 0);

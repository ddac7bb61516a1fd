/**
 * Keysmith benchmark runner: `npm run bench` = `tsx bench/run.ts`.
 *
 *   tsx bench/run.ts [scenario ...] [--rounds N] [--duration S] [--backends sqlite,postgres,mysql]
 *                    [--micro-duration S] [--connections N] [--pipelining N] [--profile auto|always|never]
 *                    [--import-requests N] [--import-keys N] [--no-taskset] [--out docs/benchmarks.md]
 *
 * Scenarios: prove-only, verify-issued, token-auth (in-process), http-bare, http-verify (separate server process),
 * batch-import (importedApiKeys:batchCreate against a server process), cli-import-1m (the compiled CLI importing
 * a generated file into a compiled server; --import-keys scales it down), then the suites of bench/suites/ (issues 6
 * and 7: cache, batch verify, latency, revocation, memory, derive, SDK and macaroon verification; see suites/types.ts).
 * Defaults: every scenario, 3 rounds, 5 s per HTTP run, every reachable backend. Writes docs/benchmarks.md.
 * See docs/benchmarks.md "Method" for what is measured and how.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { type Backend, backendReachable, MYSQL_ADMIN, PG_ADMIN } from '../test/helpers/databases.js';
import { type LoadResult, runLoad } from './http/load.js';
import { bareTarget, type HttpTarget, type RunningTarget, startTarget, verifyTarget } from './http/targets.js';
import { type ProfileSummary, summariseProfile, type Window } from './lib/cpuprofile.js';
import {
  type ImportRound,
  type ImportServer,
  IMPORT_IN_FLIGHT,
  KEYS_PER_REQUEST,
  nextBodies,
  runImportRound,
  startImportServer,
  WARMUP_REQUESTS,
  warmUpImport,
} from './import/batch.js';
import { type CliImportResult, runCliImport } from './import/cli.js';
import { BACKEND_LABEL, BACKENDS } from './lib/keysmith.js';
import { BENCH_TMP, REPO_ROOT } from './lib/paths.js';
import { CLK_TCK, hasTaskset, pinProcess } from './lib/proc.js';
import { fmt, maxOf, median, minOf, ratio } from './lib/stats.js';
import type { Sample } from './micro/loop.js';
import { setupProveOnly } from './micro/prove-only.js';
import { setupTokenAuth, TOKEN_AUTH, TOKEN_AUTH_MIN_ITERATIONS, TOKEN_AUTH_PERMISSION } from './micro/token-auth.js';
import { IN_FLIGHT, type MicroCase } from './micro/types.js';
import { MIN_ITERATIONS, setupVerifyIssued } from './micro/verify-issued.js';
import { SUITES } from './suites/index.js';
import type { Profiled, SuiteEnv, SuiteResult, TargetResult } from './suites/types.js';

// ---------------------------------------------------------------------------------------------
// Scenarios and options

const SCENARIOS = {
  'prove-only': { kind: 'micro', about: 'in-process: classify + parse + checksum + timestamp bounds of an issued key, no store' },
  'verify-issued': { kind: 'micro', about: 'in-process: pipeline.verify(ctx, keyStore, credential) of a valid issued key (route + checksum + store lookup)' },
  'token-auth': {
    kind: 'micro',
    about:
      'in-process: project API token authentication of an admin request — tokens.authenticate (cache hit), the whole requireTenant guard, and a projects.context-only reference',
  },
  'http-bare': { kind: 'http', about: 'baseline: bare node:http server, reads the JSON body, answers a small JSON object' },
  'http-verify': { kind: 'http', about: 'Keysmith: POST /v2alpha1/admin/apiKeys:verify with a valid credential' },
  'batch-import': {
    kind: 'import',
    about: `Keysmith: POST /v2alpha1/admin/importedApiKeys:batchCreate with ${KEYS_PER_REQUEST} fresh raw keys per request, ${IMPORT_IN_FLIGHT} requests in flight (server throughput, keys/s); then the same bodies again, every item a replay (a resumed import)`,
  },
  'cli-import-1m': {
    kind: 'import',
    about:
      'end to end: the compiled CLI (`node dist/src/main.js keys import`) importing a generated JSON Lines file of 1,000,000 keys (--import-keys) into a fresh compiled server (`node dist/src/main.js serve`) on SQLite',
  },
  // bench/suites/<name>.ts modules (issues 6 and 7): run after the scenarios above, in this order.
  ...(Object.fromEntries(SUITES.map((s) => [s.name, { kind: 'suite', about: s.about }])) as Record<string, { kind: 'suite'; about: string }>),
} as const;
type ScenarioName = keyof typeof SCENARIOS;

const TARGETS = {
  microSqliteUs: 25,
  httpVsBare: 0.5,
  pgVsSqlite: 3,
  tokenAuthUs: 5,
  /** batch-import on SQLite, server side. */
  importKeysPerSec: 20_000,
  /** cli-import-1m: wall time for 1,000,000 keys (scaled linearly with --import-keys) and the CLI's peak RSS. */
  cliImportSecondsPerMillion: 120,
  cliImportRssMb: 200,
};

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    'micro-duration': { type: 'string', default: '2' },
    backends: { type: 'string' },
    connections: { type: 'string', default: '32' },
    pipelining: { type: 'string', default: '1' },
    profile: { type: 'string', default: 'auto' },
    'import-requests': { type: 'string', default: '30' },
    'import-keys': { type: 'string', default: '1000000' },
    'no-taskset': { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/benchmarks.md' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  process.stdout.write(
    `usage: tsx bench/run.ts [scenario ...] [--rounds N] [--duration S] [--backends sqlite,postgres,mysql]\n` +
      `       [--micro-duration S] [--connections N] [--pipelining N] [--profile auto|always|never]\n` +
      `       [--import-requests N] [--import-keys N] [--no-taskset] [--out FILE]\n\n` +
      `  --import-requests N  batch-import: requests of ${KEYS_PER_REQUEST} keys per round and backend (default 30)\n` +
      `  --import-keys N      cli-import-1m: keys in the generated file (default 1000000; smaller while developing)\n\nscenarios:\n` +
      Object.entries(SCENARIOS)
        .map(([k, v]) => `  ${k.padEnd(22)} ${v.about}\n`)
        .join(''),
  );
  process.exit(0);
}

const die = (msg: string): never => {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
};
const posNum = (name: string, v: string | undefined, max: number): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max) die(`--${name} must be a number in (0, ${max}]`);
  return n;
};

const rounds = Math.round(posNum('rounds', opt.rounds, 20));
const duration = posNum('duration', opt.duration, 120);
const microSeconds = posNum('micro-duration', opt['micro-duration'], 60);
const connections = Math.round(posNum('connections', opt.connections, 1000));
const pipelining = Math.round(posNum('pipelining', opt.pipelining, 100));
const importRequests = Math.round(posNum('import-requests', opt['import-requests'], 1000));
const importKeys = Math.round(posNum('import-keys', opt['import-keys'], 100_000_000));
const profileMode = opt.profile as 'auto' | 'always' | 'never';
if (!['auto', 'always', 'never'].includes(profileMode)) die('--profile must be auto, always or never');

for (const p of positionals) if (!(p in SCENARIOS)) die(`unknown scenario "${p}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
const selected = new Set<ScenarioName>((positionals.length ? positionals : Object.keys(SCENARIOS)) as ScenarioName[]);

const requestedBackends: Backend[] = opt.backends
  ? opt.backends.split(',').map((b) => {
      const t = b.trim().toLowerCase();
      const norm = t === 'mariadb' ? 'mysql' : t === 'postgresql' || t === 'pg' ? 'postgres' : t;
      if (!(BACKENDS as readonly string[]).includes(norm)) die(`unknown backend "${b}" (sqlite, postgres, mysql)`);
      return norm as Backend;
    })
  : [...BACKENDS];

const log = (msg: string) => process.stdout.write(`${msg}\n`);
/** Set-up problems, reported in the markdown instead of aborting the whole run. */
const failures: string[] = [];
const firstLine = (e: unknown) =>
  String((e as Error)?.message ?? e)
    .split('\n')
    .find((l) => l.trim()) ?? String(e);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Machine, pinning, backends

const cpus = os.cpus();
const cpuModel = cpus[0]?.model?.trim() || 'unknown';
const canPin = !opt['no-taskset'] && cpus.length >= 2 && hasTaskset();
// The bench process (load generator and micro benchmarks) runs on CPU 1; HTTP servers on CPU 0.
const pinned = canPin && pinProcess(process.pid, 1);
const SERVER_CPU = pinned ? 0 : null;

const backends: Backend[] = [];
const skipped: string[] = [];
for (const b of requestedBackends) {
  if (await backendReachable(b)) backends.push(b);
  else skipped.push(`${BACKEND_LABEL[b]} (not reachable at ${b === 'postgres' ? redact(PG_ADMIN) : redact(MYSQL_ADMIN)})`);
}
if (!backends.length) die('no reachable backend');

function redact(u: string): string {
  try {
    const url = new URL(u);
    if (url.password) url.password = '***';
    return `${url.hostname}:${url.port}`;
  } catch {
    return '?';
  }
}

async function serverVersion(b: Backend): Promise<string> {
  try {
    if (b === 'postgres') {
      const c = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
      await c.connect();
      const r = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      await c.end();
      return `PostgreSQL ${r.rows[0].v} at ${redact(PG_ADMIN)}`;
    }
    if (b === 'mysql') {
      const c = await mysql.createConnection({ uri: MYSQL_ADMIN, connectTimeout: 2000 });
      const [rows] = await c.query('SELECT VERSION() AS v');
      await c.end();
      return `MariaDB/MySQL ${(rows as { v: string }[])[0].v} at ${redact(MYSQL_ADMIN)}`;
    }
    return 'SQLite (better-sqlite3, WAL, file under .bench-tmp/)';
  } catch {
    return BACKEND_LABEL[b];
  }
}
const backendVersions = await Promise.all(backends.map(serverVersion));

const gitInfo = (() => {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean).length;
    return `${sha}${dirty ? ` + uncommitted changes in ${dirty} file(s) under src/` : ' (src/ clean)'}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
})();

const started = new Date();
const commandLine = (() => {
  const args = process.argv.slice(2).join(' ');
  return process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args ? ` -- ${args}` : ''}` : `tsx bench/run.ts${args ? ` ${args}` : ''}`;
})();

log(`Keysmith bench — ${commandLine}`);
log(`node ${process.version}, ${cpuModel} × ${cpus.length}, taskset ${pinned ? 'yes (server CPU 0, bench CPU 1)' : 'no'}`);
log(`backends: ${backends.join(', ')}${skipped.length ? `; skipped: ${skipped.join(', ')}` : ''}`);
log(`scenarios: ${[...selected].join(', ')}; ${rounds} rounds; HTTP ${duration} s/run; micro ${microSeconds} s/round`);
if (selected.has('batch-import'))
  log(`batch-import: ${importRequests} requests × ${KEYS_PER_REQUEST} keys per round and backend, ${IMPORT_IN_FLIGHT} in flight`);
if (selected.has('cli-import-1m')) log(`cli-import-1m: ${importKeys.toLocaleString('en-US')} keys`);

// ---------------------------------------------------------------------------------------------
// Micro benchmarks

interface MicroRow {
  c: { scenario: string; backend: Backend | null; label: string };
  seq: Sample[];
  conc: Sample[];
}

async function runMicro(): Promise<MicroRow[]> {
  const cases: MicroCase[] = [];
  try {
    const setup = async (what: string, f: () => Promise<MicroCase[]>) => {
      try {
        cases.push(...(await f()));
      } catch (e) {
        failures.push(`${what}: ${firstLine(e)}`);
        log(`  ${what} could not be set up: ${firstLine(e)}`);
      }
    };
    if (selected.has('prove-only')) await setup('prove-only', setupProveOnly);
    if (selected.has('verify-issued')) for (const b of backends) await setup(`verify-issued on ${BACKEND_LABEL[b]}`, async () => [await setupVerifyIssued(b)]);
    if (selected.has('token-auth')) await setup('token-auth (SQLite)', setupTokenAuth);
    if (!cases.length) return [];
    log('\n== micro: warm-up');
    for (const c of cases) await c.warmup();
    const rows: MicroRow[] = cases.map((c) => ({ c: { scenario: c.scenario, backend: c.backend, label: c.label }, seq: [], conc: [] }));
    const budget = { seconds: microSeconds, minIterations: 0, maxSeconds: microSeconds * 4 };
    const labelWidth = Math.max(28, ...cases.map((c) => c.label.length));
    for (let r = 1; r <= rounds; r++) {
      log(`== micro: round ${r}/${rounds}`);
      for (const [i, c] of cases.entries()) {
        const s = await c.sequential(budget);
        rows[i].seq.push(s);
        let line = `  ${c.scenario.padEnd(14)} ${c.label.padEnd(labelWidth)} ${fmt(s.usPerOp).padStart(8)} µs/op  (${s.iterations} ops${s.bad ? `, ${s.bad} BAD` : ''})`;
        if (c.concurrent) {
          const k = await c.concurrent(Math.min(1, microSeconds));
          rows[i].conc.push(k);
          line += `   ${IN_FLIGHT} in flight: ${fmt(k.usPerOp)} µs/op${k.bad ? ` (${k.bad} BAD)` : ''}`;
        }
        log(line);
      }
    }
    return rows;
  } finally {
    for (const c of cases) await c.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP benchmarks

interface HttpRow {
  target: HttpTarget;
  runs: LoadResult[];
}

function loadSpec(rt: RunningTarget, seconds: number) {
  return {
    port: rt.server.port,
    path: rt.path,
    headers: rt.headers,
    body: rt.body,
    connections,
    pipelining,
    seconds,
    serverPid: rt.server.pid,
    dbComms: rt.target.dbComms,
  };
}

const describeRun = (l: LoadResult) =>
  `${fmt(l.reqPerSec, 0).padStart(7)} req/s  p50 ${fmt(l.p50Ms)} ms  p99 ${fmt(l.p99Ms)} ms  server ${fmt(l.serverCpuUsPerReq)} µs/req (${fmt(100 * l.serverBusy, 0)}% busy)` +
  `${Number.isFinite(l.dbCpuUsPerReq) ? `  db ${fmt(l.dbCpuUsPerReq)} µs/req` : ''}  client ${fmt(100 * l.clientBusy, 0)}%${l.non2xx || l.errors ? `  non2xx ${l.non2xx} errors ${l.errors}` : ''}`;

async function runHttp(): Promise<HttpRow[]> {
  if (!selected.has('http-bare') && !selected.has('http-verify')) return [];
  // The bare baseline always runs: every HTTP figure is quoted as a ratio to it.
  const targets: HttpTarget[] = [bareTarget()];
  if (selected.has('http-verify')) for (const b of backends) targets.push(verifyTarget(b));
  const running: RunningTarget[] = [];
  try {
    log('\n== http: starting servers');
    for (const t of targets) {
      try {
        const rt = await startTarget(t, SERVER_CPU);
        running.push(rt);
        log(`  ${t.label}: pid ${rt.server.pid}, port ${rt.server.port}`);
      } catch (e) {
        failures.push(`${t.label}: ${firstLine(e)}`);
        log(`  ${t.label} could not be started: ${(e as Error).message}`);
      }
    }
    if (!running.length) return [];
    log('== http: warm-up (2 s each)');
    for (const rt of running) await runLoad(loadSpec(rt, 2));
    const rows: HttpRow[] = running.map((rt) => ({ target: rt.target, runs: [] }));
    for (let r = 1; r <= rounds; r++) {
      log(`== http: round ${r}/${rounds}`);
      // Bare and every Keysmith backend back to back in each round: they all see the same machine noise.
      for (const [i, rt] of running.entries()) {
        await sleep(300);
        const l = await runLoad(loadSpec(rt, duration));
        rows[i].runs.push(l);
        log(`  ${rt.target.label.padEnd(30)} ${describeRun(l)}`);
      }
    }
    return rows;
  } finally {
    for (const rt of running) await rt.stop().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Import benchmarks

interface ImportRow {
  backend: Backend;
  label: string;
  runs: ImportRound[];
  /** The same bodies sent again right after each run: every item a replay, as a resumed `keys import` sends them. */
  replays: ImportRound[];
}

const describeImport = (r: ImportRound) =>
  `${fmt(r.keysPerSec, 0).padStart(7)} keys/s  ${r.requests} req in ${fmt(r.seconds)} s  p50 ${fmt(r.p50Ms, 0)} ms  max ${fmt(r.maxMs, 0)} ms  server ${fmt(r.serverCpuUsPerKey)} µs/key (${fmt(100 * r.serverBusy, 0)}% busy)` +
  ` sys ${fmt(100 * r.serverSysShare, 0)}%  writes ${fmt(r.serverWriteKbPerKey, 1)} KB/key` +
  `${Number.isFinite(r.dbCpuUsPerKey) ? `  db ${fmt(r.dbCpuUsPerKey)} µs/key` : ''}  client ${fmt(100 * r.clientBusy, 0)}%${r.bad ? `  ${r.bad} BAD (${r.firstBad})` : ''}`;

async function runBatchImport(): Promise<ImportRow[]> {
  if (!selected.has('batch-import')) return [];
  const running: ImportServer[] = [];
  try {
    log('\n== batch-import: starting servers');
    for (const b of backends) {
      try {
        const s = await startImportServer(b, SERVER_CPU);
        running.push(s);
        log(`  ${s.label}: pid ${s.server.pid}, port ${s.server.port}`);
      } catch (e) {
        failures.push(`batch-import on ${BACKEND_LABEL[b]}: ${firstLine(e)}`);
        log(`  batch-import on ${BACKEND_LABEL[b]} could not be started: ${(e as Error).message}`);
      }
    }
    const warm: ImportServer[] = [];
    log(`== batch-import: warm-up (${WARMUP_REQUESTS} requests each)`);
    for (const s of running) {
      try {
        await warmUpImport(s);
        warm.push(s);
      } catch (e) {
        failures.push(`batch-import on ${BACKEND_LABEL[s.backend]}: ${firstLine(e)}`);
        log(`  ${(e as Error).message}`);
      }
    }
    const rows: ImportRow[] = warm.map((s) => ({ backend: s.backend, label: s.label, runs: [], replays: [] }));
    for (let r = 1; r <= rounds; r++) {
      log(`== batch-import: round ${r}/${rounds}`);
      // Every backend back to back in each round, as the HTTP scenarios do.
      for (const [i, s] of warm.entries()) {
        const bodies = nextBodies(s, importRequests); // built before the timed window
        await sleep(300);
        const l = await runImportRound(s, bodies);
        rows[i].runs.push(l);
        log(`  ${s.label.padEnd(32)} ${describeImport(l)}`);
        await sleep(300);
        const again = await runImportRound(s, bodies);
        rows[i].replays.push(again);
        log(`  ${`${s.label}, re-run`.padEnd(32)} ${describeImport(again)}`);
      }
    }
    return rows;
  } finally {
    for (const s of running) await s.stop().catch(() => {});
  }
}

async function runCliImportScenario(): Promise<CliImportResult | undefined> {
  if (!selected.has('cli-import-1m')) return undefined;
  if (!backends.includes('sqlite')) {
    failures.push('cli-import-1m: runs on SQLite only, and SQLite was not selected (--backends)');
    return undefined;
  }
  log(`\n== cli-import-1m: ${importKeys.toLocaleString('en-US')} keys`);
  try {
    const r = await runCliImport({ keys: importKeys, serverCpu: SERVER_CPU, log });
    log(
      `  ${fmt(r.seconds, 1)} s, ${fmt(r.keysPerSec, 0)} keys/s, exit ${r.exitCode}; peak RSS CLI ${fmt(r.cliPeakRssMb, 0)} MB, server ${fmt(r.serverPeakRssMb, 0)} MB; ` +
        `server ${fmt(r.serverCpuUsPerKey)} µs/key; active keys ${r.activeKeys}, rows ${r.dbRows}${r.problems.length ? `; PROBLEMS: ${r.problems.join('; ')}` : ''}`,
    );
    return r;
  } catch (e) {
    failures.push(`cli-import-1m: ${firstLine(e)}`);
    log(`  cli-import-1m failed: ${(e as Error).stack ?? e}`);
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Profiles of missed targets

interface ProfileRun {
  why: string;
  what: string;
  summary?: ProfileSummary;
  error?: string;
}

const PROFILE_DIR = join(BENCH_TMP, 'profiles');

/**
 * The main thread's profile: with `--import tsx` Node 20 also profiles the module-hooks worker thread
 * (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; the main thread is 0).
 */
function mainThreadProfile(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const main = files.find((f) => f.split('.').at(-3) === '0') ?? files.sort()[0];
  if (!main) throw new Error(`no .cpuprofile written in ${dir}`);
  return join(dir, main);
}

async function profileHttp(backend: Backend): Promise<Profiled> {
  const dir = join(PROFILE_DIR, `http-verify-${backend}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const rt = await startTarget(verifyTarget(backend), SERVER_CPU, dir);
  let window: Window = { fromUs: 0, toUs: Number.MAX_SAFE_INTEGER };
  try {
    await runLoad(loadSpec(rt, 2)); // warm-up: outside the window summarised below
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const l = await runLoad(loadSpec(rt, duration));
    const toUs = Number(process.hrtime.bigint() / 1000n);
    log(`  profiled run: ${describeRun(l)}`);
    window = { fromUs, toUs };
  } finally {
    await rt.stop();
  }
  return { file: mainThreadProfile(dir), window };
}

/** The batch-import server with the profiler on: warm-up, then one round of fresh keys inside the window. */
async function profileBatchImport(backend: Backend): Promise<Profiled> {
  const dir = join(PROFILE_DIR, `batch-import-${backend}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const s = await startImportServer(backend, SERVER_CPU, dir);
  let window: Window = { fromUs: 0, toUs: Number.MAX_SAFE_INTEGER };
  try {
    await warmUpImport(s);
    const bodies = nextBodies(s, importRequests);
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const l = await runImportRound(s, bodies);
    const toUs = Number(process.hrtime.bigint() / 1000n);
    log(`  profiled run: ${describeImport(l)}`);
    window = { fromUs, toUs };
  } finally {
    await s.stop();
  }
  return { file: mainThreadProfile(dir), window };
}

async function profileMicro(scenario: string, backend: Backend): Promise<Profiled> {
  const dir = join(PROFILE_DIR, `${scenario}-${backend}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const args = [
    '--import',
    'tsx',
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--cpu-prof-interval',
    '250',
    join(REPO_ROOT, 'bench/micro/child.ts'),
    scenario,
    backend,
    String(Math.max(2, microSeconds)),
  ];
  const window = await new Promise<Window>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`micro profile child exited with ${code}`));
      try {
        const r = JSON.parse(out.trim().split('\n').at(-1) ?? '') as Sample & { window: Window };
        log(`  profiled run: ${fmt(r.usPerOp)} µs/op (${r.iterations} ops, profiler on)`);
        resolve(r.window);
      } catch {
        reject(new Error(`micro profile child printed no result: ${out}`));
      }
    });
  });
  return { file: mainThreadProfile(dir), window };
}

// ---------------------------------------------------------------------------------------------
// Run

const microRows = await runMicro();
const httpRows = await runHttp();
const importRows = await runBatchImport();
const cliImport = await runCliImportScenario();

/** The selected suites, each on its own: a suite that fails is reported, the others still run. */
async function runSuites(): Promise<{ name: string; result: SuiteResult }[]> {
  const env: SuiteEnv = {
    rounds,
    duration,
    microSeconds,
    connections,
    pipelining,
    serverCpu: SERVER_CPU,
    pinned,
    backends,
    log,
    http: {
      bare: bareRow && { label: bareRow.target.label, runs: bareRow.runs },
      verify: Object.fromEntries(
        httpRows.filter((r) => r.target.scenario === 'http-verify').map((r) => [r.target.backend, { label: r.target.label, runs: r.runs }]),
      ),
    },
    facts: {},
    profiles: {
      dir(name) {
        const dir = join(PROFILE_DIR, name);
        mkdirSync(dir, { recursive: true });
        return dir;
      },
      mainThread: mainThreadProfile,
    },
  };
  const results: { name: string; result: SuiteResult }[] = [];
  for (const suite of SUITES) {
    if (!selected.has(suite.name as ScenarioName)) continue;
    log(`\n== ${suite.name}`);
    try {
      results.push({ name: suite.name, result: await suite.run(env) });
    } catch (e) {
      failures.push(`${suite.name}: ${firstLine(e)}`);
      log(`  ${suite.name} failed: ${(e as Error).stack ?? e}`);
      results.push({
        name: suite.name,
        result: {
          // Its target rows are unknown without a run: one row says the suite itself was not measured.
          targets: [{ name: `\`${suite.name}\``, figure: `not measured: ${firstLine(e).replace(/\|/g, '\\|')}`, pass: null }],
          markdown: [`## ${suite.name}`, '', `Not measured: ${firstLine(e).replace(/\|/g, '\\|')}`, ''],
        },
      });
    }
  }
  return results;
}

const seqMedian = (row: MicroRow | undefined) => (row ? median(row.seq.map((s) => s.usPerOp)) : Number.NaN);
const concMedian = (row: MicroRow | undefined) => (row ? median(row.conc.map((s) => s.usPerOp)) : Number.NaN);
const microOf = (scenario: string, backend: Backend | null) => microRows.find((r) => r.c.scenario === scenario && r.c.backend === backend);
const tokenAuthOf = (label: string) => microRows.find((r) => r.c.scenario === 'token-auth' && r.c.label === label);
const badOf = (row: MicroRow | undefined) => (row ? row.seq.reduce((m, s) => m + s.bad, 0) + row.conc.reduce((m, s) => m + s.bad, 0) : 0);
/** Median over rounds of the per-round difference a − b in µs/op (both cases ran back to back in each round). */
const roundDiff = (a: MicroRow | undefined, b: MicroRow | undefined) => (a && b ? median(a.seq.map((s, i) => s.usPerOp - b.seq[i].usPerOp)) : Number.NaN);
const bareRow = httpRows.find((r) => r.target.scenario === 'http-bare');
const httpOf = (backend: Backend) => httpRows.find((r) => r.target.scenario === 'http-verify' && r.target.backend === backend);
const med = (row: HttpRow | undefined, f: (l: LoadResult) => number) => (row ? median(row.runs.map(f)) : Number.NaN);
/** Median over rounds of the per-round ratio (both runs of a round saw the same machine). */
const roundRatio = (row: HttpRow | undefined, base: HttpRow | undefined, f: (l: LoadResult) => number) =>
  row && base ? median(row.runs.map((l, i) => ratio(f(l), f(base.runs[i])))) : Number.NaN;

const targets: TargetResult[] = [];
{
  const us = seqMedian(microOf('verify-issued', 'sqlite'));
  targets.push({
    name: `In-process verify of an issued key on SQLite ≤ ${TARGETS.microSqliteUs} µs/op`,
    figure: Number.isFinite(us) ? `${fmt(us)} µs/op` : 'not measured',
    pass: Number.isFinite(us) ? us <= TARGETS.microSqliteUs : null,
    profile: () => profileMicro('verify-issued', 'sqlite'),
    profileWhat: 'verify-issued on SQLite, in-process (bench/micro/child.ts)',
  });
}
{
  const r = roundRatio(httpOf('sqlite'), bareRow, (l) => l.reqPerSec);
  targets.push({
    name: `HTTP verify (SQLite) ≥ ${TARGETS.httpVsBare * 100} % of the bare baseline's req/s`,
    figure: Number.isFinite(r) ? `${fmt(100 * r, 1)} % of bare` : 'not measured',
    pass: Number.isFinite(r) ? r >= TARGETS.httpVsBare : null,
    profile: () => profileHttp('sqlite'),
    profileWhat: 'Keysmith server under http-verify load on SQLite',
  });
}
{
  const pgUs = seqMedian(microOf('verify-issued', 'postgres'));
  const r = ratio(pgUs, seqMedian(microOf('verify-issued', 'sqlite')));
  const rc = ratio(concMedian(microOf('verify-issued', 'postgres')), concMedian(microOf('verify-issued', 'sqlite')));
  targets.push({
    name: `PostgreSQL uncached verify within ${TARGETS.pgVsSqlite}× of SQLite — in-process, one at a time (µs/op)`,
    figure: Number.isFinite(r) ? `${fmt(pgUs)} µs/op = ${fmt(r)}× SQLite (with ${IN_FLIGHT} in flight: ${fmt(rc)}×)` : 'not measured',
    pass: Number.isFinite(r) ? r <= TARGETS.pgVsSqlite : null,
    profile: () => profileMicro('verify-issued', 'postgres'),
    profileWhat: 'verify-issued on PostgreSQL, in-process (bench/micro/child.ts)',
  });
}
{
  const pg = httpOf('postgres');
  const sq = httpOf('sqlite');
  const rq = roundRatio(pg, sq, (l) => l.reqPerSec);
  const rc = roundRatio(pg, sq, (l) => l.serverCpuUsPerReq);
  targets.push({
    name: `PostgreSQL uncached verify within ${TARGETS.pgVsSqlite}× of SQLite — HTTP (req/s and server CPU µs/req)`,
    figure: Number.isFinite(rq) ? `req/s ${fmt(rq)}× SQLite (≥ ${fmt(1 / TARGETS.pgVsSqlite)}× needed); CPU µs/req ${fmt(rc)}× SQLite` : 'not measured',
    pass: Number.isFinite(rq) ? rq >= 1 / TARGETS.pgVsSqlite && rc <= TARGETS.pgVsSqlite : null,
    profile: () => profileHttp('postgres'),
    profileWhat: 'Keysmith server under http-verify load on PostgreSQL',
  });
}

{
  const guard = tokenAuthOf(TOKEN_AUTH.guard);
  const us = seqMedian(guard);
  const authUs = seqMedian(tokenAuthOf(TOKEN_AUTH.authenticate));
  const added = roundDiff(guard, tokenAuthOf(TOKEN_AUTH.reference));
  const bad = badOf(guard) + badOf(tokenAuthOf(TOKEN_AUTH.authenticate)) + badOf(tokenAuthOf(TOKEN_AUTH.reference));
  targets.push({
    name: `Project API token authentication adds ≤ ${TARGETS.tokenAuthUs} µs per admin request, in process (whole \`requireTenant\` guard, cached token)`,
    figure: Number.isFinite(us)
      ? `guard ${fmt(us)} µs/op (guard − context-only reference ${fmt(added)} µs; \`tokens.authenticate\` alone ${fmt(authUs)} µs)${bad ? `; **${bad} bad results**` : ''}`
      : 'not measured',
    pass: Number.isFinite(us) ? us <= TARGETS.tokenAuthUs && bad === 0 : null,
    profile: () => profileMicro('token-auth', 'sqlite'),
    profileWhat: 'token-auth whole guard on SQLite, in-process (bench/micro/child.ts)',
  });
}

const importOf = (backend: Backend) => importRows.find((r) => r.backend === backend);
const importMed = (row: ImportRow | undefined, f: (r: ImportRound) => number) => (row ? median(row.runs.map(f)) : Number.NaN);
const importBad = (row: ImportRow | undefined) => (row ? row.runs.reduce((n, r) => n + r.bad, 0) : 0);
{
  const row = importOf('sqlite');
  const kps = importMed(row, (r) => r.keysPerSec);
  const bad = importBad(row);
  const others = importRows
    .filter((r) => r !== row)
    .map(
      (r) =>
        `${BACKEND_LABEL[r.backend]} ${fmt(
          importMed(r, (x) => x.keysPerSec),
          0,
        )} keys/s`,
    )
    .join(', ');
  targets.push({
    name: `Batch import (\`importedApiKeys:batchCreate\`, ${KEYS_PER_REQUEST} keys per request, ${IMPORT_IN_FLIGHT} in flight) ≥ ${TARGETS.importKeysPerSec.toLocaleString('en-US')} keys/s server-side on SQLite`,
    figure: Number.isFinite(kps)
      ? `${fmt(kps, 0)} keys/s, server CPU ${fmt(importMed(row, (r) => r.serverCpuUsPerKey))} µs/key${others ? ` (${others})` : ''}${bad ? `; **${bad} responses without success_count ${KEYS_PER_REQUEST}**` : ''}`
      : 'not measured',
    pass: Number.isFinite(kps) ? kps >= TARGETS.importKeysPerSec && bad === 0 : null,
    profile: () => profileBatchImport('sqlite'),
    profileWhat: 'Keysmith server under batch-import load on SQLite',
  });
}
const cliLimitSeconds = (TARGETS.cliImportSecondsPerMillion * importKeys) / 1_000_000;
const cliKeysText = importKeys.toLocaleString('en-US');
{
  const r = cliImport;
  const ok = r !== undefined && r.problems.length === 0;
  targets.push({
    name:
      importKeys === 1_000_000
        ? `CLI import of 1,000,000 keys end to end on SQLite in under ${TARGETS.cliImportSecondsPerMillion / 60} minutes (exit 0, every key stored once)`
        : `CLI import of ${cliKeysText} keys end to end on SQLite in under ${fmt(cliLimitSeconds, 1)} s (${TARGETS.cliImportSecondsPerMillion} s per million, scaled; exit 0, every key stored once)`,
    figure: r ? `${fmt(r.seconds, 1)} s (${fmt(r.keysPerSec, 0)} keys/s)${ok ? '' : `; **${r.problems.join('; ').replace(/\|/g, '\\|')}**`}` : 'not measured',
    pass: r ? r.seconds < cliLimitSeconds && ok : null,
  });
  targets.push({
    name: `CLI peak RSS under ${TARGETS.cliImportRssMb} MB while importing ${cliKeysText} keys`,
    figure: r ? `${fmt(r.cliPeakRssMb, 0)} MB (server ${fmt(r.serverPeakRssMb, 0)} MB)` : 'not measured',
    pass: r && Number.isFinite(r.cliPeakRssMb) ? r.cliPeakRssMb < TARGETS.cliImportRssMb : null,
  });
}

// The suites last: they may use the HTTP rows above (bare, http-verify); their targets join the table.
const suiteResults = await runSuites();
targets.push(...suiteResults.flatMap((s) => s.result.targets));

const profiles: ProfileRun[] = [];
if (profileMode !== 'never') {
  for (const t of targets) {
    if (!t.profile || t.pass === null) continue;
    if (t.pass && profileMode !== 'always') continue;
    log(`\n== profile: ${t.profileWhat} (${t.pass ? 'forced' : 'target missed'}: ${t.name})`);
    try {
      const { file, window } = await t.profile();
      const summary = summariseProfile(file, 15, window);
      profiles.push({ why: t.name, what: t.profileWhat ?? '', summary });
      log(
        `  ${relative(REPO_ROOT, file)}: top ${summary.functions
          .slice(0, 3)
          .map((f) => `${f.name} ${fmt(f.busyPct, 1)}%`)
          .join('; ')}`,
      );
    } catch (e) {
      profiles.push({ why: t.name, what: t.profileWhat ?? '', error: (e as Error).message });
      log(`  profile failed: ${(e as Error).message}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const outPath = resolve(REPO_ROOT, opt.out ?? 'docs/benchmarks.md'); // an absolute --out stays absolute

/**
 * The same bare node:http baseline in this run and in the run whose file this one replaces: on these
 * shared machines the whole host can run several times slower from one day to the next, and every
 * absolute figure (µs/op, req/s, keys/s) moves with it, while ratios to a baseline of the same run do not.
 */
function machineSpeed(): string | null {
  const now = med(bareRow, (l) => l.reqPerSec);
  if (!Number.isFinite(now) || !existsSync(outPath)) return null;
  const previous = readFileSync(outPath, 'utf8');
  const before = Number(/^\| bare node:http \(baseline\) \| ([\d,]+) \|/m.exec(previous)?.[1]?.replace(/,/g, ''));
  if (!Number.isFinite(before) || before <= 0) return null;
  const source = /^\| Source \| git (\w+)/m.exec(previous)?.[1] ?? '?';
  const date = /^\| Date \| (\S+) \|/m.exec(previous)?.[1] ?? '?';
  return (
    `bare node:http baseline ${fmt(now, 0)} req/s in this run; ${fmt(before, 0)} req/s in the run this file replaced (git ${source}, ${date}): ` +
    `this host ran at ${fmt(now / before)}× that speed. Absolute figures of the two runs compare only in that proportion; ratios to a baseline of the same run do not depend on it`
  );
}

const md: string[] = [];
const out = (s = '') => md.push(s);
const mark = (p: boolean | null) => (p === null ? '— (not run)' : p ? '**pass**' : '**MISS**');
const range = (v: number[]) => `${fmt(minOf(v))}–${fmt(maxOf(v))}`;

out('# Benchmarks');
out();
out('Written by `npm run bench` (`bench/run.ts`); do not edit by hand, re-run it. Method at the end.');
out();
out('| | |');
out('|---|---|');
out(`| Date | ${started.toISOString()} |`);
out(`| Node | ${process.version} (${process.platform}/${process.arch}) |`);
out(`| CPU | ${cpuModel} — ${cpus.length} cores (\`os.cpus()\`) |`);
out(
  `| taskset | ${pinned ? 'yes — HTTP and import server processes on CPU 0 (`taskset -c 0`), load generator, import CLI and in-process benchmarks on CPU 1 (`taskset -a -p -c 1`); database servers unpinned' : `no${opt['no-taskset'] ? ' (--no-taskset)' : cpus.length < 2 ? ' (fewer than 2 cores)' : ' (taskset not found)'}`} |`,
);
out(`| Command | \`${commandLine}\` |`);
out(`| Source | git ${gitInfo} |`);
out(`| Scenarios | ${[...selected].join(', ')} |`);
out(
  `| Rounds | ${rounds}; HTTP ${duration} s per run, ${connections} connections, pipelining ${pipelining}, keep-alive; micro ≥ ${microSeconds} s per round` +
    `${selected.has('batch-import') ? `; batch-import ${importRequests} requests × ${KEYS_PER_REQUEST} keys per round, ${IMPORT_IN_FLIGHT} in flight` : ''}${selected.has('cli-import-1m') ? `; cli-import-1m once, ${importKeys.toLocaleString('en-US')} keys` : ''} |`,
);
out(`| Backends | ${backendVersions.join('; ')}${skipped.length ? `; skipped: ${skipped.join(', ')}` : ''} |`);
out(`| Server logging | Keysmith at \`info\` (one access-log line per request, the default), written to /dev/null |`);
out(`| /proc clock | CLK_TCK = ${CLK_TCK} (server CPU resolution ${fmt(1e6 / CLK_TCK, 0)} µs per tick, summed over the run) |`);
const speed = machineSpeed();
if (speed) out(`| Machine speed | ${speed} |`);
out();

if (failures.length) {
  out('## Not measured');
  out();
  for (const f of failures) out(`- ${f.replace(/\|/g, '\\|')}`);
  out();
}

out('## Targets');
out();
out('| Target | Figure (median of rounds) | Result |');
out('|---|---|---|');
for (const t of targets) out(`| ${t.name} | ${t.figure} | ${mark(t.pass)} |`);
out();

if (microRows.length) {
  out('## In-process (micro)');
  out();
  out('`process.hrtime.bigint()` around batches of 500 calls, after a warm-up; each round runs until both its time budget and the minimum');
  out(
    `iteration count (verify-issued: ${Object.entries(MIN_ITERATIONS)
      .map(([b, n]) => `${BACKEND_LABEL[b as Backend]} ${n.toLocaleString('en-US')}`)
      .join(
        ', ',
      )}; prove-only 100,000; token-auth ${TOKEN_AUTH_MIN_ITERATIONS.toLocaleString('en-US')} per case) are reached. One at a time = latency of one call;`,
  );
  out(
    `${IN_FLIGHT} in flight = wall time ÷ calls completed with ${IN_FLIGHT} concurrent callers (throughput; the PostgreSQL/MariaDB pools hold 10 connections).`,
  );
  out();
  const prove = microOf('prove-only', null);
  const proveUs = seqMedian(prove);
  if (prove) {
    out('### prove-only (reference: no store)');
    out();
    out('| Case | µs/op (median) | rounds min–max | ops/round |');
    out('|---|---:|---:|---:|');
    out(`| ${prove.c.label} | ${fmt(proveUs, 3)} | ${range(prove.seq.map((s) => s.usPerOp))} | ${fmt(median(prove.seq.map((s) => s.iterations)), 0)} |`);
    out();
  }
  const vi = BACKENDS.map((b) => microOf('verify-issued', b)).filter((r): r is MicroRow => !!r);
  if (vi.length) {
    const base = seqMedian(microOf('verify-issued', 'sqlite'));
    const baseC = concMedian(microOf('verify-issued', 'sqlite'));
    out('### verify-issued (`pipeline.verify`, uncached; baseline SQLite)');
    out();
    out(
      `| Backend | µs/op one at a time (median) | rounds min–max | ops/round | × SQLite | µs/op, ${IN_FLIGHT} in flight | × SQLite | store share (1 − prove-only ÷ verify) |`,
    );
    out('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of vi) {
      const us = seqMedian(r);
      const c = concMedian(r);
      out(
        `| ${r.c.label} | ${fmt(us)} | ${range(r.seq.map((s) => s.usPerOp))} | ${fmt(median(r.seq.map((s) => s.iterations)), 0)} | ${fmt(ratio(us, base))} | ${fmt(c)} | ${fmt(ratio(c, baseC))} | ${Number.isFinite(proveUs) ? `${fmt(100 * (1 - proveUs / us), 0)} %` : '—'} |`,
      );
    }
    const bad = vi.reduce((n, r) => n + r.seq.reduce((m, s) => m + s.bad, 0) + r.conc.reduce((m, s) => m + s.bad, 0), 0);
    out();
    out(`Every call was checked to return \`valid: true\`: ${bad === 0 ? 'all did' : `**${bad} did not**`}.`);
    out();
  }
  const ta = [TOKEN_AUTH.authenticate, TOKEN_AUTH.guard, TOKEN_AUTH.reference].map(tokenAuthOf).filter((r): r is MicroRow => !!r);
  if (ta.length) {
    const ref = tokenAuthOf(TOKEN_AUTH.reference);
    out('### token-auth (project API token on an admin request; SQLite fixture, warm per-node caches)');
    out();
    out(
      `\`Authorization: Bearer <admin token>\` (the \`KEYSMITH_ADMIN_TOKEN\` of the fixture, permission \`admin\`). The guard is \`requireTenant(deps, '${TOKEN_AUTH_PERMISSION}')\` from`,
    );
    out(
      '`src/http/tenant.ts` — what `POST /v2alpha1/admin/apiKeys:verify` runs before its handler — applied to a fresh `{ headers: { authorization } }` per call:',
    );
    out(
      'authenticate (header parse, SHA-256 of the token, LRU cache hit, expiry check) + permission check + `projects.context` (cache hit) + key store handle.',
    );
    out(
      'The reference loop does only `projects.context(projectId)`, which every admin route needs anyway; "− reference" is the median of the per-round differences.',
    );
    out(
      'The token cache entry lives 10 s and the context 30 s, so a long round re-reads each from SQLite once per TTL — a handful of store reads among millions of calls.',
    );
    out();
    out('| Case | µs/op (median) | rounds min–max | ops/round | guard − reference, µs (median) |');
    out('|---|---:|---:|---:|---:|');
    for (const r of ta)
      out(
        `| ${r.c.label.replace(/\|/g, '\\|')} | ${fmt(seqMedian(r), 3)} | ${range(r.seq.map((s) => s.usPerOp))} | ${fmt(median(r.seq.map((s) => s.iterations)), 0)} | ${r.c.label === TOKEN_AUTH.guard ? fmt(roundDiff(r, ref), 3) : '—'} |`,
      );
    const bad = ta.reduce((n, r) => n + badOf(r), 0);
    out();
    out(
      `Every call was checked (the admin token's id and project; for the guard, \`request.tenant\` set to that principal, project and a key store; a throw counts as bad): ${bad === 0 ? 'all were right' : `**${bad} were not**`}.`,
    );
    out();
    out(
      'How revocation is honoured with this cache: `TokenService.revoke` marks the token revoked in the store, then evicts every cached principal of that token',
    );
    out("from the revoking node's cache, so that node refuses the token on its next request. Other nodes keep a principal they cached until the entry's");
    out(
      '10 s TTL (`CACHE_TTL_MS`) runs out — counted from when that node last read the token from the store; cache hits do not extend it, and there is no push',
    );
    out(
      'invalidation for tokens — after which they re-read the store and refuse it. One narrow exception on the revoking node: an `authenticate` whose store read',
    );
    out('began before the revoke committed can re-cache the still-live principal after the eviction, and then that node too accepts the token for up to 10 s.');
    out('A cached principal still honours its own `expires_at` to the millisecond.');
    out();
  }
}

if (httpRows.length && bareRow) {
  out('## HTTP (server in its own process)');
  out();
  out(
    `autocannon 9, POST \`/v2alpha1/admin/apiKeys:verify\` with \`Authorization: Bearer <token>\` and \`{"credential": <valid issued key>}\`, ${connections} keep-alive connections, pipelining ${pipelining}, ${duration} s per run.`,
  );
  out(
    'Server CPU = utime + stime of the server process from `/proc/<pid>/stat` before and after the run, ÷ requests completed (the steadier figure on a shared machine).',
  );
  out('Ratios are medians of per-round ratios (the bare baseline and each Keysmith backend run back to back within a round).');
  out(
    'autocannon records latency in whole milliseconds, so p50/p99 are coarse; "mean latency" is exact by Little\'s law (closed loop: connections × pipelining ÷ req/s).',
  );
  out();
  out(
    '| Server | req/s | mean latency ms | p50 ms | p99 ms | server CPU µs/req | server core busy | DB server CPU µs/req | req/s ÷ bare | CPU ÷ bare | non-2xx / errors |',
  );
  out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of httpRows) {
    const isBare = row === bareRow;
    const db = med(row, (l) => l.dbCpuUsPerReq);
    out(
      `| ${row.target.label}${isBare ? ' (baseline)' : ''} | ${fmt(
        med(row, (l) => l.reqPerSec),
        0,
      )} | ${fmt(
        med(row, (l) => (1000 * connections * pipelining) / l.reqPerSec),
        3,
      )} | ${fmt(med(row, (l) => l.p50Ms))} | ${fmt(med(row, (l) => l.p99Ms))} | ${fmt(
        med(row, (l) => l.serverCpuUsPerReq),
        1,
      )} | ${fmt(100 * med(row, (l) => l.serverBusy), 0)} % | ${Number.isFinite(db) ? fmt(db, 1) : '—'} | ${isBare ? '1.00' : fmt(roundRatio(row, bareRow, (l) => l.reqPerSec))} | ${isBare ? '1.00' : fmt(roundRatio(row, bareRow, (l) => l.serverCpuUsPerReq))} | ${row.runs.reduce((n, l) => n + l.non2xx, 0)} / ${row.runs.reduce((n, l) => n + l.errors, 0)} |`,
    );
  }
  out();
  const clientBusy = median(httpRows.flatMap((r) => r.runs.map((l) => l.clientBusy)));
  out(
    `Load generator (this process, CPU 1): median ${fmt(100 * clientBusy, 0)} % of a core busy${clientBusy > 0.9 ? ' — close to saturation, so the bare baseline may be client-bound (its req/s is then a floor, and ratios flatter Keysmith)' : ''}.`,
  );
  out();
  out('<details><summary>Per-round figures (req/s · server CPU µs/req · p99 ms)</summary>');
  out();
  out(`| Server | ${Array.from({ length: rounds }, (_, i) => `round ${i + 1}`).join(' | ')} |`);
  out(`|---|${Array.from({ length: rounds }, () => '---:').join('|')}|`);
  for (const row of httpRows)
    out(`| ${row.target.label} | ${row.runs.map((l) => `${fmt(l.reqPerSec, 0)} · ${fmt(l.serverCpuUsPerReq, 1)} · ${fmt(l.p99Ms)}`).join(' | ')} |`);
  out();
  out('</details>');
  out();
}

if (importRows.length) {
  const base = importOf('sqlite');
  out('## Batch import (server in its own process)');
  out();
  out(
    `POST \`/v2alpha1/admin/importedApiKeys:batchCreate\` with \`Authorization: Bearer <admin token>\`, ${KEYS_PER_REQUEST} fresh raw keys per request (\`legacy_sk_\` + 48 hex characters,`,
  );
  out('name, actor_id, two scopes, a small metadata object, and the `request_id` `keysmith keys import` derives from the key), on keep-alive connections with');
  out(
    `${IMPORT_IN_FLIGHT} requests in flight (the CLI's default). ${importRequests} requests = ${(importRequests * KEYS_PER_REQUEST).toLocaleString('en-US')} keys per round and backend, bodies built before the timed window;`,
  );
  out(
    `${WARMUP_REQUESTS} unmeasured requests per server first. The database grows by every round (fresh keys each time). Server CPU = utime + stime from \`/proc/<pid>/stat\` ÷ keys imported;`,
  );
  out(
    '"in kernel" = stime ÷ (utime + stime); "syscall writes" = `wchar` of `/proc/<pid>/io` ÷ keys (for SQLite the database file and WAL; PostgreSQL/MariaDB write in their own processes).',
  );
  out('Every response was checked for `200`, `success_count` = 1000 and `failure_count` = 0.');
  out();
  out(
    '| Server | keys/s (median) | rounds min–max | request p50 ms | request max ms | server CPU µs/key | server core busy | server CPU in kernel | server syscall writes KB/key | DB server CPU µs/key | keys/s ÷ SQLite | bad responses |',
  );
  out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of importRows) {
    const db = importMed(row, (r) => r.dbCpuUsPerKey);
    const kps = row.runs.map((r) => r.keysPerSec);
    out(
      `| ${row.label} | ${fmt(median(kps), 0)} | ${fmt(minOf(kps), 0)}–${fmt(maxOf(kps), 0)} | ${fmt(
        importMed(row, (r) => r.p50Ms),
        0,
      )} | ${fmt(
        importMed(row, (r) => r.maxMs),
        0,
      )} | ${fmt(
        importMed(row, (r) => r.serverCpuUsPerKey),
        1,
      )} | ${fmt(100 * importMed(row, (r) => r.serverBusy), 0)} % | ${fmt(100 * importMed(row, (r) => r.serverSysShare), 0)} % | ${fmt(
        importMed(row, (r) => r.serverWriteKbPerKey),
        1,
      )} | ${Number.isFinite(db) ? fmt(db, 1) : '—'} | ${
        row === base
          ? '1.00'
          : fmt(
              ratio(
                median(kps),
                importMed(base, (r) => r.keysPerSec),
              ),
            )
      } | ${importBad(row)} |`,
    );
  }
  out();
  out(
    'The same bodies sent again right after each round, as a resumed `keys import` re-sends a file: every item is a replay of its `request_id` and answered with the stored key (checked as above).',
  );
  out();
  out('| Server, re-run | keys/s (median) | rounds min–max | request p50 ms | server CPU µs/key | server CPU in kernel | bad responses |');
  out('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of importRows) {
    const kps = row.replays.map((r) => r.keysPerSec);
    const med = (f: (r: ImportRound) => number) => median(row.replays.map(f));
    out(
      `| ${row.label} | ${fmt(median(kps), 0)} | ${fmt(minOf(kps), 0)}–${fmt(maxOf(kps), 0)} | ${fmt(
        med((r) => r.p50Ms),
        0,
      )} | ${fmt(
        med((r) => r.serverCpuUsPerKey),
        1,
      )} | ${fmt(100 * med((r) => r.serverSysShare), 0)} % | ${row.replays.reduce((n, r) => n + r.bad, 0)} |`,
    );
  }
  const firstBad = importRows.flatMap((r) => [...r.runs, ...r.replays]).find((r) => r.firstBad)?.firstBad;
  if (firstBad) {
    out();
    out(`First bad response: ${firstBad.replace(/\|/g, '\\|')}`);
  }
  out();
  out('<details><summary>Per-round figures (keys/s · server CPU µs/key · server busy)</summary>');
  out();
  out(`| Server | ${Array.from({ length: rounds }, (_, i) => `round ${i + 1}`).join(' | ')} |`);
  out(`|---|${Array.from({ length: rounds }, () => '---:').join('|')}|`);
  for (const row of importRows)
    out(`| ${row.label} | ${row.runs.map((r) => `${fmt(r.keysPerSec, 0)} · ${fmt(r.serverCpuUsPerKey, 1)} · ${fmt(100 * r.serverBusy, 0)} %`).join(' | ')} |`);
  out();
  out('</details>');
  out();
}

if (cliImport) {
  const r = cliImport;
  out(`## CLI import end to end (${cliKeysText} keys, SQLite)`);
  out();
  out(`A JSON Lines file of ${cliKeysText} fresh keys (the same fields as batch-import, without \`request_id\`: the CLI derives it) was generated under`);
  out(
    `\`.bench-tmp/\` as a stream (${fmt(r.fileBytes / 1e6, 1)} MB in ${fmt(r.generateSeconds, 1)} s, not timed). A fresh \`node dist/src/main.js serve\` on SQLite (info logging to /dev/null)`,
  );
  out(
    `${pinned ? 'pinned to CPU 0' : 'unpinned'}, then \`node dist/src/main.js keys import --file <file> --endpoint <server> -f json\` with \`KEYSMITH_TOKEN\` set and every other option`,
  );
  out(
    `at its default (batch size 1000, concurrency 2, the counting first pass)${pinned ? ', on CPU 1' : ''}. The compiled build: ${r.built}. Wall time is spawn to exit of the CLI.`,
  );
  out(`Peak RSS: ${r.rssMethod}.`);
  out();
  out('| | |');
  out('|---|---:|');
  out(`| Wall time | ${fmt(r.seconds, 1)} s |`);
  out(`| Keys/s (keys ÷ wall time) | ${fmt(r.keysPerSec, 0)} |`);
  if (r.summary)
    out(
      `| CLI summary | ${r.summary.created} new, ${r.summary.replayed + r.summary.already_existed} already imported, ${r.summary.failed} failed in ${fmt(r.summary.elapsed_seconds, 1)} s (${fmt(r.summary.keys_per_second, 0)} keys/s) |`,
    );
  out(`| CLI exit code | ${r.exitCode} |`);
  out(`| CLI peak RSS | ${fmt(r.cliPeakRssMb, 1)} MB |`);
  out(`| Server peak RSS | ${fmt(r.serverPeakRssMb, 1)} MB |`);
  out(
    `| CLI CPU (user + sys) | ${Number.isFinite(r.cliCpuSeconds) ? `${fmt(r.cliCpuSeconds, 1)} s (${fmt((1e6 * r.cliCpuSeconds) / r.keys, 1)} µs/key)` : '—'} |`,
  );
  out(
    `| Server CPU during the import | ${fmt(r.serverCpuSeconds, 1)} s (${fmt(r.serverCpuUsPerKey, 1)} µs/key, ${fmt((100 * r.serverCpuSeconds) / r.seconds, 0)} % of a core, ${fmt(100 * r.serverSysShare, 0)} % of it in the kernel) |`,
  );
  out(
    `| Server syscall I/O per key (\`/proc/<pid>/io\` wchar / rchar: SQLite file and WAL) | ${fmt(r.serverWriteKbPerKey, 1)} KB written / ${fmt(r.serverReadKbPerKey, 1)} KB read |`,
  );
  out(`| SQLite file + WAL after the run | ${fmt(r.dbFileMb, 0)} MB |`);
  out(`| Active keys after (operator API \`usage.active_keys\`) | ${r.activeKeys} |`);
  out(`| Imported rows / distinct lookup hashes in the database | ${r.dbRows} / ${r.dbDistinctHashes} |`);
  out(`| Sample keys (first, middle, last line) verifying \`is_valid: true\` | ${r.samplesVerified} of ${r.samplesChecked} |`);
  out();
  out(
    r.problems.length
      ? `**Problems:** ${r.problems.join('; ').replace(/\|/g, '\\|')}`
      : 'Checks: exit code 0, the summary counts every key as new, and the active key count and the rows equal the number of lines.',
  );
  out();
}

for (const s of suiteResults) for (const line of s.result.markdown) out(line);

if (profiles.length) {
  out('## CPU profiles of missed targets');
  out();
  out(
    '`node --cpu-prof --cpu-prof-interval 250` (µs), profile files under `.bench-tmp/profiles/` (not committed). Self time aggregated by `bench/lib/cpuprofile.ts`;',
  );
  out('percentages are of busy time (all samples except `(idle)`). Re-read a profile with `tsx bench/lib/cpuprofile.ts <file> [top]`.');
  out();
  for (const p of profiles) {
    out(`### ${p.what}`);
    out();
    out(`Why: ${p.why}.`);
    out();
    if (!p.summary) {
      out(`Profiling failed: ${p.error}`);
      out();
      continue;
    }
    const s = p.summary;
    out(
      `\`${relative(REPO_ROOT, s.file)}\` (main thread), samples of the measured run only (${fmt((s.windowMs ?? 0) / 1000, 1)} s window; start-up and warm-up left out): ${fmt(s.totalMs, 0)} ms sampled, ${fmt((100 * s.idleMs) / Math.max(1, s.totalMs), 0)} % idle.`,
    );
    out();
    out('| Self time by module | ms | % of busy |');
    out('|---|---:|---:|');
    for (const g of s.groups) if (g.name !== '(idle)') out(`| ${g.name} | ${fmt(g.ms, 1)} | ${fmt(g.busyPct, 1)} |`);
    out();
    out('| Top self-time functions | ms | % of busy |');
    out('|---|---:|---:|');
    for (const f of s.functions) if (f.name !== '(idle)') out(`| \`${f.name.replace(/\|/g, '\\|')}\` | ${fmt(f.ms, 1)} | ${fmt(f.busyPct, 1)} |`);
    out();
  }
}

out('## Method');
out();
for (const [k, v] of Object.entries(SCENARIOS)) out(`- \`${k}\` — ${v.about}.`);
out('- Each backend gets a fresh database: a SQLite file under `.bench-tmp/`, or a uniquely named PostgreSQL / MariaDB database (dropped afterwards),');
out("  migrated on start, with the default project, the admin token and one issued key (24 h TTL). The project's verify cache is off (its default):");
out('  the key record is read from the store on every call (the project context and the admin token are cached per node) — except in the suites');
out('  that say "cache on", which turn `cache.enabled` on for the default project (`server-keysmith.ts --cache on`).');
out('- HTTP servers (`bench/http/server-bare.ts`, `bench/http/server-keysmith.ts`) run as separate `node --import tsx` processes, started once, warmed up');
out('  for 2 s, then each round runs the bare baseline and every Keysmith backend back to back. A sanity request checks `200` and `is_valid: true` first.');
out('- The database servers are not pinned and share the two cores; their CPU is shown separately ("DB server CPU µs/req", summed over all');
out('  `postgres` / `mariadbd` processes) and is not part of "server CPU".');
out(
  `- Targets: issue 2 (in-process SQLite ≤ ${TARGETS.microSqliteUs} µs/op; HTTP ≥ ${TARGETS.httpVsBare * 100} % of bare req/s), issue 3 (uncached PostgreSQL within ${TARGETS.pgVsSqlite}× of SQLite)`,
);
out(
  `  and the project API token issue (token authentication adds ≤ ${TARGETS.tokenAuthUs} µs per admin request in process: the whole guard of \`token-auth\`, µs/op, and no bad result).`,
);
out(
  `- Import targets: batch import ≥ ${TARGETS.importKeysPerSec.toLocaleString('en-US')} keys/s server-side on SQLite (median of rounds, every response a full success);`,
);
out(
  `  the CLI imports 1,000,000 keys end to end in under ${TARGETS.cliImportSecondsPerMillion} s (scaled linearly with \`--import-keys\`) with a peak RSS under ${TARGETS.cliImportRssMb} MB.`,
);
out('  cli-import-1m runs once (not per round): one import of a million keys is itself ~1000 requests.');
out(
  '  A missed target triggers one extra profiled run (`--profile never|auto|always`); the CLI targets have none (the batch-import profile shows the server side).',
);
out('- Suites (`bench/suites/<name>.ts`, issues 6 and 7) run after the scenarios above, each with its own servers: every HTTP suite starts its own bare');
out('  baseline and runs it back to back with its Keysmith server(s) in each round (same connections, duration and pinning as the HTTP section), checks every');
out('  answer (status and body, and `Ory-Talos-Cache: HIT` where the cache is measured; "bad answers" must stay 0) and quotes exact p50/p99 from each');
out("  response's own latency. Their targets: issue 6 (cache hit ≤ 5 µs/op in process; HTTP cache hit ≥ 80 % of bare req/s and ≤ 1.25× its CPU per request;");
out('  p99 ≤ 2 ms at half of saturation; batch verify ≥ 200,000 credentials/s per server core; cache misses recorded with their ratio to hits; revocation');
out('  seen by the other node within 1 s over 100 trials; ≤ 1 GB RSS with 1,000,000 cached keys) and issue 7 (derive JWT ≥ 5,000 tokens/s on one core;');
out('  SDK JWT verification ≥ 10,000/s per core; macaroon with 5 caveats ≤ 20 µs). A suite whose set-up fails is listed under "Not measured".');
out();

writeFileSync(outPath, md.join('\n'));
log(`\nwrote ${outPath.startsWith(`${REPO_ROOT}/`) ? relative(REPO_ROOT, outPath) : outPath}`);
for (const t of targets) log(`  ${t.pass === null ? '  -  ' : t.pass ? 'pass ' : 'MISS '} ${t.name}: ${t.figure}`);
process.exit(0);

/**
 * Keysmith benchmark runner: `npm run bench` = `tsx bench/run.ts`.
 *
 *   tsx bench/run.ts [scenario ...] [--rounds N] [--duration S] [--backends sqlite,postgres,mysql]
 *                    [--micro-duration S] [--connections N] [--pipelining N] [--profile auto|always|never]
 *                    [--no-taskset] [--out docs/benchmarks.md]
 *
 * Scenarios: prove-only, verify-issued, token-auth (in-process), http-bare, http-verify (separate server process).
 * Defaults: every scenario, 3 rounds, 5 s per HTTP run, every reachable backend. Writes docs/benchmarks.md.
 * See docs/benchmarks.md "Method" for what is measured and how.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { type Backend, backendReachable, MYSQL_ADMIN, PG_ADMIN } from '../test/helpers/databases.js';
import { type LoadResult, runLoad } from './http/load.js';
import { bareTarget, type HttpTarget, type RunningTarget, startTarget, verifyTarget } from './http/targets.js';
import { type ProfileSummary, summariseProfile, type Window } from './lib/cpuprofile.js';
import { BACKEND_LABEL, BACKENDS } from './lib/keysmith.js';
import { BENCH_TMP, REPO_ROOT } from './lib/paths.js';
import { CLK_TCK, hasTaskset, pinProcess } from './lib/proc.js';
import { fmt, maxOf, median, minOf, ratio } from './lib/stats.js';
import type { Sample } from './micro/loop.js';
import { setupProveOnly } from './micro/prove-only.js';
import { setupTokenAuth, TOKEN_AUTH, TOKEN_AUTH_MIN_ITERATIONS, TOKEN_AUTH_PERMISSION } from './micro/token-auth.js';
import { IN_FLIGHT, type MicroCase } from './micro/types.js';
import { MIN_ITERATIONS, setupVerifyIssued } from './micro/verify-issued.js';

// ---------------------------------------------------------------------------------------------
// Scenarios and options

const SCENARIOS = {
  'prove-only': { kind: 'micro', about: 'in-process: classify + parse + checksum + timestamp bounds of an issued key, no store' },
  'verify-issued': { kind: 'micro', about: 'in-process: pipeline.verify(ctx, keyStore, credential) of a valid issued key (route + checksum + store lookup)' },
  'token-auth': {
    kind: 'micro',
    about: 'in-process: project API token authentication of an admin request — tokens.authenticate (cache hit), the whole requireTenant guard, and a projects.context-only reference',
  },
  'http-bare': { kind: 'http', about: 'baseline: bare node:http server, reads the JSON body, answers a small JSON object' },
  'http-verify': { kind: 'http', about: 'Keysmith: POST /v2alpha1/admin/apiKeys:verify with a valid credential' },
} as const;
type ScenarioName = keyof typeof SCENARIOS;

const TARGETS = {
  microSqliteUs: 25,
  httpVsBare: 0.5,
  pgVsSqlite: 3,
  tokenAuthUs: 5,
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
    'no-taskset': { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/benchmarks.md' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  process.stdout.write(
    `usage: tsx bench/run.ts [scenario ...] [--rounds N] [--duration S] [--backends sqlite,postgres,mysql]\n` +
      `       [--micro-duration S] [--connections N] [--pipelining N] [--profile auto|always|never] [--no-taskset] [--out FILE]\n\nscenarios:\n` +
      Object.entries(SCENARIOS)
        .map(([k, v]) => `  ${k.padEnd(14)} ${v.about}\n`)
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
const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n').find((l) => l.trim()) ?? String(e);
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

interface Profiled {
  file: string;
  window: Window;
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

async function profileMicro(scenario: string, backend: Backend): Promise<Profiled> {
  const dir = join(PROFILE_DIR, `${scenario}-${backend}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const args = ['--import', 'tsx', '--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250', join(REPO_ROOT, 'bench/micro/child.ts'), scenario, backend, String(Math.max(2, microSeconds))];
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

interface TargetResult {
  name: string;
  figure: string;
  pass: boolean | null; // null: not measured in this run
  profile?: () => Promise<Profiled>;
  profileWhat?: string;
}

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
      log(`  ${relative(REPO_ROOT, file)}: top ${summary.functions.slice(0, 3).map((f) => `${f.name} ${fmt(f.busyPct, 1)}%`).join('; ')}`);
    } catch (e) {
      profiles.push({ why: t.name, what: t.profileWhat ?? '', error: (e as Error).message });
      log(`  profile failed: ${(e as Error).message}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Report

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
  `| taskset | ${pinned ? 'yes — HTTP server process on CPU 0 (`taskset -c 0`), load generator and in-process benchmarks on CPU 1 (`taskset -a -p -c 1`); database servers unpinned' : `no${opt['no-taskset'] ? ' (--no-taskset)' : cpus.length < 2 ? ' (fewer than 2 cores)' : ' (taskset not found)'}`} |`,
);
out(`| Command | \`${commandLine}\` |`);
out(`| Source | git ${gitInfo} |`);
out(`| Scenarios | ${[...selected].join(', ')} |`);
out(`| Rounds | ${rounds}; HTTP ${duration} s per run, ${connections} connections, pipelining ${pipelining}, keep-alive; micro ≥ ${microSeconds} s per round |`);
out(`| Backends | ${backendVersions.join('; ')}${skipped.length ? `; skipped: ${skipped.join(', ')}` : ''} |`);
out(`| Server logging | Keysmith at \`info\` (one access-log line per request, the default), written to /dev/null |`);
out(`| /proc clock | CLK_TCK = ${CLK_TCK} (server CPU resolution ${fmt(1e6 / CLK_TCK, 0)} µs per tick, summed over the run) |`);
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
  out(`iteration count (verify-issued: ${Object.entries(MIN_ITERATIONS).map(([b, n]) => `${BACKEND_LABEL[b as Backend]} ${n.toLocaleString('en-US')}`).join(', ')}; prove-only 100,000; token-auth ${TOKEN_AUTH_MIN_ITERATIONS.toLocaleString('en-US')} per case) are reached. One at a time = latency of one call;`);
  out(`${IN_FLIGHT} in flight = wall time ÷ calls completed with ${IN_FLIGHT} concurrent callers (throughput; the PostgreSQL/MariaDB pools hold 10 connections).`);
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
    out(`| Backend | µs/op one at a time (median) | rounds min–max | ops/round | × SQLite | µs/op, ${IN_FLIGHT} in flight | × SQLite | store share (1 − prove-only ÷ verify) |`);
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
    out(`\`Authorization: Bearer <admin token>\` (the \`KEYSMITH_ADMIN_TOKEN\` of the fixture, permission \`admin\`). The guard is \`requireTenant(deps, '${TOKEN_AUTH_PERMISSION}')\` from`);
    out('`src/http/tenant.ts` — what `POST /v2alpha1/admin/apiKeys:verify` runs before its handler — applied to a fresh `{ headers: { authorization } }` per call:');
    out('authenticate (header parse, SHA-256 of the token, LRU cache hit, expiry check) + permission check + `projects.context` (cache hit) + key store handle.');
    out('The reference loop does only `projects.context(projectId)`, which every admin route needs anyway; "− reference" is the median of the per-round differences.');
    out('The token cache entry lives 10 s and the context 30 s, so a long round re-reads each from SQLite once per TTL — a handful of store reads among millions of calls.');
    out();
    out('| Case | µs/op (median) | rounds min–max | ops/round | guard − reference, µs (median) |');
    out('|---|---:|---:|---:|---:|');
    for (const r of ta)
      out(
        `| ${r.c.label.replace(/\|/g, '\\|')} | ${fmt(seqMedian(r), 3)} | ${range(r.seq.map((s) => s.usPerOp))} | ${fmt(median(r.seq.map((s) => s.iterations)), 0)} | ${r.c.label === TOKEN_AUTH.guard ? fmt(roundDiff(r, ref), 3) : '—'} |`,
      );
    const bad = ta.reduce((n, r) => n + badOf(r), 0);
    out();
    out(`Every call was checked (the admin token's id and project; for the guard, \`request.tenant\` set to that principal, project and a key store; a throw counts as bad): ${bad === 0 ? 'all were right' : `**${bad} were not**`}.`);
    out();
    out('How revocation is honoured with this cache: `TokenService.revoke` marks the token revoked in the store, then evicts every cached principal of that token');
    out("from the revoking node's cache, so that node refuses the token on its next request. Other nodes keep a principal they cached until the entry's");
    out("10 s TTL (`CACHE_TTL_MS`) runs out — counted from when that node last read the token from the store; cache hits do not extend it, and there is no push");
    out('invalidation for tokens — after which they re-read the store and refuse it. One narrow exception on the revoking node: an `authenticate` whose store read');
    out('began before the revoke committed can re-cache the still-live principal after the eviction, and then that node too accepts the token for up to 10 s.');
    out('A cached principal still honours its own `expires_at` to the millisecond.');
    out();
  }
}

if (httpRows.length && bareRow) {
  out('## HTTP (server in its own process)');
  out();
  out(`autocannon 9, POST \`/v2alpha1/admin/apiKeys:verify\` with \`Authorization: Bearer <token>\` and \`{"credential": <valid issued key>}\`, ${connections} keep-alive connections, pipelining ${pipelining}, ${duration} s per run.`);
  out('Server CPU = utime + stime of the server process from `/proc/<pid>/stat` before and after the run, ÷ requests completed (the steadier figure on a shared machine).');
  out('Ratios are medians of per-round ratios (the bare baseline and each Keysmith backend run back to back within a round).');
  out('autocannon records latency in whole milliseconds, so p50/p99 are coarse; "mean latency" is exact by Little\'s law (closed loop: connections × pipelining ÷ req/s).');
  out();
  out('| Server | req/s | mean latency ms | p50 ms | p99 ms | server CPU µs/req | server core busy | DB server CPU µs/req | req/s ÷ bare | CPU ÷ bare | non-2xx / errors |');
  out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of httpRows) {
    const isBare = row === bareRow;
    const db = med(row, (l) => l.dbCpuUsPerReq);
    out(
      `| ${row.target.label}${isBare ? ' (baseline)' : ''} | ${fmt(med(row, (l) => l.reqPerSec), 0)} | ${fmt(med(row, (l) => (1000 * connections * pipelining) / l.reqPerSec), 3)} | ${fmt(med(row, (l) => l.p50Ms))} | ${fmt(med(row, (l) => l.p99Ms))} | ${fmt(med(row, (l) => l.serverCpuUsPerReq), 1)} | ${fmt(100 * med(row, (l) => l.serverBusy), 0)} % | ${Number.isFinite(db) ? fmt(db, 1) : '—'} | ${isBare ? '1.00' : fmt(roundRatio(row, bareRow, (l) => l.reqPerSec))} | ${isBare ? '1.00' : fmt(roundRatio(row, bareRow, (l) => l.serverCpuUsPerReq))} | ${row.runs.reduce((n, l) => n + l.non2xx, 0)} / ${row.runs.reduce((n, l) => n + l.errors, 0)} |`,
    );
  }
  out();
  const clientBusy = median(httpRows.flatMap((r) => r.runs.map((l) => l.clientBusy)));
  out(`Load generator (this process, CPU 1): median ${fmt(100 * clientBusy, 0)} % of a core busy${clientBusy > 0.9 ? ' — close to saturation, so the bare baseline may be client-bound (its req/s is then a floor, and ratios flatter Keysmith)' : ''}.`);
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

if (profiles.length) {
  out('## CPU profiles of missed targets');
  out();
  out('`node --cpu-prof --cpu-prof-interval 250` (µs), profile files under `.bench-tmp/profiles/` (not committed). Self time aggregated by `bench/lib/cpuprofile.ts`;');
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
out('  migrated on start, with the default project, the admin token and one issued key (24 h TTL). Nothing is cached on the verify path yet');
out('  (the project context and the admin token are cached per node; the key record is read from the store on every call).');
out('- HTTP servers (`bench/http/server-bare.ts`, `bench/http/server-keysmith.ts`) run as separate `node --import tsx` processes, started once, warmed up');
out('  for 2 s, then each round runs the bare baseline and every Keysmith backend back to back. A sanity request checks `200` and `is_valid: true` first.');
out('- The database servers are not pinned and share the two cores; their CPU is shown separately ("DB server CPU µs/req", summed over all');
out('  `postgres` / `mariadbd` processes) and is not part of "server CPU".');
out(`- Targets: issue 2 (in-process SQLite ≤ ${TARGETS.microSqliteUs} µs/op; HTTP ≥ ${TARGETS.httpVsBare * 100} % of bare req/s), issue 3 (uncached PostgreSQL within ${TARGETS.pgVsSqlite}× of SQLite)`);
out(`  and the project API token issue (token authentication adds ≤ ${TARGETS.tokenAuthUs} µs per admin request in process: the whole guard of \`token-auth\`, µs/op, and no bad result).`);
out('  A missed target triggers one extra profiled run (`--profile never|auto|always`).');
out();

const outPath = resolve(REPO_ROOT, opt.out ?? 'docs/benchmarks.md'); // an absolute --out stays absolute
writeFileSync(outPath, md.join('\n'));
log(`\nwrote ${outPath.startsWith(`${REPO_ROOT}/`) ? relative(REPO_ROOT, outPath) : outPath}`);
for (const t of targets) log(`  ${t.pass === null ? '  -  ' : t.pass ? 'pass ' : 'MISS '} ${t.name}: ${t.figure}`);
process.exit(0);

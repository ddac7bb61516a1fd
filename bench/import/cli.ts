/**
 * cli-import-1m: `keysmith keys import` end to end, as a user runs it — the compiled CLI
 * (`node dist/src/main.js`) importing a generated JSON Lines file into a fresh compiled Keysmith
 * server (`node dist/src/main.js serve`) on SQLite. Measures wall time, keys/s, peak RSS of both
 * processes and the server's CPU, then checks the exit code, the CLI's own summary, the project's
 * active key count (operator API), the rows in the database and that sample keys verify.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { cleanEnv, freePort } from '../../test/helpers/server-process.js';
import { BENCH_ADMIN_TOKEN, BENCH_MASTER_KEY } from '../lib/keysmith.js';
import { REPO_ROOT, scratchDir } from '../lib/paths.js';
import { processCpuMicros, processCpuSplit, processIo } from '../lib/proc.js';
import { type GeneratedFile, writeImportFile } from './items.js';

export const BENCH_OPERATOR_TOKEN = 'ks_op_bench_operator_token_0123456789abcdefghijklmnop';
const MAIN_JS = join(REPO_ROOT, 'dist', 'src', 'main.js');
const TIME_BIN = '/usr/bin/time';

export interface CliImportResult {
  keys: number;
  fileBytes: number;
  /** Generating the file (not part of the measured time). */
  generateSeconds: number;
  /** Whether `npm run build` ran first (dist missing or older than src/). */
  built: string;
  /** Wall time of the CLI process, spawn to exit. */
  seconds: number;
  keysPerSec: number;
  exitCode: number | string | null;
  /** The CLI's `-f json` summary. */
  summary?: { created: number; replayed: number; already_existed: number; failed: number; elapsed_seconds: number; keys_per_second: number };
  /** Peak RSS in MB, and how it was measured. */
  cliPeakRssMb: number;
  serverPeakRssMb: number;
  rssMethod: string;
  /** CPU of the CLI (user + sys, s) when /usr/bin/time measured it. */
  cliCpuSeconds: number;
  serverCpuSeconds: number;
  serverCpuUsPerKey: number;
  /** Share of the server's CPU spent in the kernel. */
  serverSysShare: number;
  /** Bytes the server wrote / read through syscalls (SQLite file and WAL) per key, KB. */
  serverWriteKbPerKey: number;
  serverReadKbPerKey: number;
  /** Size of the SQLite file (+ WAL) after the run, MB. */
  dbFileMb: number;
  /** Operator API usage.active_keys of the default project after the run. */
  activeKeys: number;
  /** Imported rows and distinct lookup hashes in the SQLite file after the server stopped. */
  dbRows: number;
  dbDistinctHashes: number;
  samplesVerified: number;
  samplesChecked: number;
  /** Last lines of the CLI's stderr (progress and anything else). */
  stderrTail: string;
  problems: string[];
}

// ---------------------------------------------------------------------------------------------

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

/** Builds dist/ with `npm run build --silent` when dist/src/main.js is missing or older than any source. */
export function ensureBuilt(log: (s: string) => void): string {
  const sources = Math.max(
    newestMtime(join(REPO_ROOT, 'src')),
    ...['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) =>
      existsSync(join(REPO_ROOT, f)) ? statSync(join(REPO_ROOT, f)).mtimeMs : 0,
    ),
  );
  const why = !existsSync(MAIN_JS) ? 'dist/src/main.js missing' : statSync(MAIN_JS).mtimeMs < sources ? 'dist older than the sources' : '';
  if (!why) return 'dist up to date';
  log(`  building (${why}): npm run build --silent`);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  return `built first (${why})`;
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

interface CompiledServer {
  child: ChildProcess;
  pid: number;
  url: string;
  dsnFile: string;
  stderr(): string;
  stop(): Promise<void>;
}

/** `node dist/src/main.js serve` on a fresh SQLite file, pinned to `cpu`; logs (info, the default) to /dev/null. */
async function startCompiledServer(dir: string, cpu: number | null): Promise<CompiledServer> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const dbFile = join(dir, 'keysmith.db');
  const env = cleanEnv({
    KEYSMITH_DATA_DIR: dir,
    KEYSMITH_DB_DSN: `sqlite://${dbFile}`,
    KEYSMITH_SECRETS_MASTER_KEY: BENCH_MASTER_KEY,
    KEYSMITH_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    KEYSMITH_OPERATOR_TOKEN: BENCH_OPERATOR_TOKEN,
    KEYSMITH_LOG_LEVEL: 'info',
    KEYSMITH_SERVE_HTTP_HOST: '127.0.0.1',
    KEYSMITH_SERVE_HTTP_PORT: String(port),
    KEYSMITH_SERVE_METRICS_HOST: '127.0.0.1',
    KEYSMITH_SERVE_METRICS_PORT: String(metricsPort),
  });
  const argv = [MAIN_JS, 'serve'];
  const devNull = openSync('/dev/null', 'w');
  // taskset execs node, so the spawned pid is the server's.
  const child =
    cpu === null
      ? spawn(process.execPath, argv, { cwd: REPO_ROOT, env, stdio: ['ignore', devNull, 'pipe'] })
      : spawn('taskset', ['-c', String(cpu), process.execPath, ...argv], { cwd: REPO_ROOT, env, stdio: ['ignore', devNull, 'pipe'] });
  closeSync(devNull);
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err = (err + c.toString('utf8')).slice(-8000);
  });
  const exitedP = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited(child)) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exitedP;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited(child)) throw new Error(`keysmith serve exited (${child.exitCode ?? child.signalCode}) before ready: ${err}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`keysmith serve not ready within 30 s: ${err}`);
    }
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, pid: child.pid as number, url, dsnFile: dbFile, stderr: () => err, stop };
}

/** VmHWM (peak resident set) of a live process, in MB. */
function peakRssMb(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function apiJson<T>(url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T | undefined }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as T) : undefined };
}

// ---------------------------------------------------------------------------------------------

export interface CliImportOptions {
  keys: number;
  /** CPU of the server (null: not pinned). The CLI inherits this process's affinity. */
  serverCpu: number | null;
  log: (s: string) => void;
  /** Keep the generated file and database (default: removed). */
  keep?: boolean;
}

export async function runCliImport(opts: CliImportOptions): Promise<CliImportResult> {
  const { log } = opts;
  const built = ensureBuilt(log);
  const dir = scratchDir('cli-import');
  const problems: string[] = [];
  try {
    const file = join(dir, `keys-${opts.keys}.jsonl`);
    log(`  generating ${opts.keys.toLocaleString('en-US')} lines into ${relative(REPO_ROOT, file)}`);
    const g0 = process.hrtime.bigint();
    const gen: GeneratedFile = await writeImportFile(file, opts.keys);
    const generateSeconds = Number(process.hrtime.bigint() - g0) / 1e9;
    log(`  ${(gen.bytes / 1e6).toFixed(1)} MB in ${generateSeconds.toFixed(1)} s`);

    const dataDir = join(dir, 'data');
    const server = await startCompiledServer(dataDir, opts.serverCpu);
    log(`  server: node dist/src/main.js serve, pid ${server.pid}, ${server.url}`);
    let result: CliImportResult;
    try {
      const useTime = existsSync(TIME_BIN);
      const timeFile = join(dir, 'time.txt');
      const cliArgs = [MAIN_JS, 'keys', 'import', '--file', file, '--endpoint', server.url, '-f', 'json'];
      const [cmd, argv] = useTime ? [TIME_BIN, ['-v', '-o', timeFile, process.execPath, ...cliArgs]] : [process.execPath, cliArgs];
      log(
        `  running: ${useTime ? '/usr/bin/time -v -o … ' : ''}node dist/src/main.js keys import --file ${relative(REPO_ROOT, file)} --endpoint ${server.url} -f json`,
      );
      const serverCpu0 = processCpuMicros(server.pid) ?? Number.NaN;
      const split0 = processCpuSplit(server.pid);
      const io0 = processIo(server.pid);
      const t0 = process.hrtime.bigint();
      const cli = spawn(cmd, argv, { cwd: REPO_ROOT, env: cleanEnv({ KEYSMITH_TOKEN: BENCH_ADMIN_TOKEN }), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      cli.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      cli.stderr.on('data', (c: Buffer) => {
        const s = c.toString('utf8');
        stderr = (stderr + s).slice(-20_000);
        for (const line of s.split('\n')) if (line.trim()) log(`    cli: ${line.trim()}`);
      });
      // Without /usr/bin/time: poll the CLI's VmHWM (a high-water mark, so polling only misses a peak
      // in its last 100 ms).
      let polledCliRss = Number.NaN;
      const poll = useTime
        ? undefined
        : setInterval(() => {
            const v = peakRssMb(cli.pid as number);
            if (Number.isFinite(v)) polledCliRss = Number.isFinite(polledCliRss) ? Math.max(polledCliRss, v) : v;
          }, 100);
      const killTimer = setTimeout(() => cli.kill('SIGKILL'), 20 * 60_000);
      const [code, signal] = (await once(cli, 'exit')) as [number | null, NodeJS.Signals | null];
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      clearTimeout(killTimer);
      if (poll) clearInterval(poll);
      await Promise.all([cli.stdout.closed ? null : once(cli.stdout, 'close'), cli.stderr.closed ? null : once(cli.stderr, 'close')]);
      const serverCpu1 = processCpuMicros(server.pid) ?? Number.NaN;
      const split1 = processCpuSplit(server.pid);
      const io1 = processIo(server.pid);
      const serverPeak = peakRssMb(server.pid);

      let cliPeak = polledCliRss;
      let cliCpu = Number.NaN;
      let rssMethod = 'CLI: /proc/<pid>/status VmHWM polled every 100 ms; server: VmHWM after the run';
      if (useTime) {
        try {
          const t = readFileSync(timeFile, 'utf8');
          const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(t)?.[1];
          cliPeak = kb ? Number(kb) / 1024 : Number.NaN;
          const user = Number(/User time \(seconds\): ([\d.]+)/.exec(t)?.[1]);
          const sys = Number(/System time \(seconds\): ([\d.]+)/.exec(t)?.[1]);
          cliCpu = user + sys;
          rssMethod = 'CLI: `/usr/bin/time -v` maximum resident set size; server: `VmHWM` of `/proc/<pid>/status` after the run';
        } catch (e) {
          problems.push(`/usr/bin/time output unreadable: ${(e as Error).message}`);
        }
      }
      const exitCode = code ?? signal;
      if (exitCode !== 0) problems.push(`CLI exit code ${exitCode}`);
      let summary: CliImportResult['summary'];
      try {
        summary = JSON.parse(stdout);
      } catch {
        problems.push(`CLI printed no JSON summary: ${stdout.slice(0, 300)}`);
      }
      if (summary && (summary.created !== opts.keys || summary.failed !== 0))
        problems.push(
          `CLI summary: ${summary.created} created, ${summary.replayed} replayed, ${summary.already_existed} already existed, ${summary.failed} failed (expected ${opts.keys} created)`,
        );

      const usage = await apiJson<{ usage?: { active_keys?: number } }>(server.url, BENCH_OPERATOR_TOKEN, 'GET', '/operator/v1/projects/default');
      const activeKeys = Number(usage.json?.usage?.active_keys);
      if (usage.status !== 200) problems.push(`operator GET /operator/v1/projects/default answered ${usage.status}`);
      else if (activeKeys !== opts.keys) problems.push(`usage.active_keys is ${activeKeys}, expected ${opts.keys}`);
      let samplesVerified = 0;
      for (const s of gen.samples) {
        const v = await apiJson<{ is_valid?: boolean }>(server.url, BENCH_ADMIN_TOKEN, 'POST', '/v2alpha1/admin/apiKeys:verify', { credential: s.rawKey });
        if (v.status === 200 && v.json?.is_valid === true) samplesVerified += 1;
        else problems.push(`the key of line ${s.line} does not verify (${v.status}, is_valid ${v.json?.is_valid})`);
      }
      result = {
        keys: opts.keys,
        fileBytes: gen.bytes,
        generateSeconds,
        built,
        seconds,
        keysPerSec: opts.keys / seconds,
        exitCode,
        summary,
        cliPeakRssMb: cliPeak,
        serverPeakRssMb: serverPeak,
        rssMethod,
        cliCpuSeconds: cliCpu,
        serverCpuSeconds: (serverCpu1 - serverCpu0) / 1e6,
        serverCpuUsPerKey: (serverCpu1 - serverCpu0) / opts.keys,
        serverSysShare: split0 && split1 ? (split1.sys - split0.sys) / (serverCpu1 - serverCpu0) : Number.NaN,
        serverWriteKbPerKey: io0 && io1 ? (io1.wchar - io0.wchar) / 1024 / opts.keys : Number.NaN,
        serverReadKbPerKey: io0 && io1 ? (io1.rchar - io0.rchar) / 1024 / opts.keys : Number.NaN,
        dbFileMb: Number.NaN,
        activeKeys,
        dbRows: Number.NaN,
        dbDistinctHashes: Number.NaN,
        samplesVerified,
        samplesChecked: gen.samples.length,
        stderrTail: stderr.split('\n').filter(Boolean).slice(-5).join('\n'),
        problems,
      };
    } finally {
      await server.stop();
    }
    // The rows themselves, with the server stopped: every key exactly once.
    result.dbFileMb = ['', '-wal'].reduce((mb, suffix) => mb + (existsSync(server.dsnFile + suffix) ? statSync(server.dsnFile + suffix).size / 1e6 : 0), 0);
    try {
      const db = new Database(server.dsnFile, { readonly: true, fileMustExist: true });
      const row = db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT lookup_hash) AS d FROM api_keys WHERE kind = 'imported'").get() as { n: number; d: number };
      db.close();
      result.dbRows = row.n;
      result.dbDistinctHashes = row.d;
      if (row.n !== opts.keys || row.d !== opts.keys)
        problems.push(`the database holds ${row.n} imported rows (${row.d} distinct hashes), expected ${opts.keys}`);
    } catch (e) {
      problems.push(`could not count the rows: ${(e as Error).message}`);
    }
    return result;
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}

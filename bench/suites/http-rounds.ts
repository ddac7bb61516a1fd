import { type LoadResult, type LoadSpec, runLoad } from '../http/load.js';
import { bareTarget, DB_COMMS, type RunningTarget, startKeysmithServer, startTarget } from '../http/targets.js';
import { fmt, median, ratio } from '../lib/stats.js';
import type { Backend } from '../../test/helpers/databases.js';
import type { Profiled, SuiteEnv } from './types.js';

/**
 * The HTTP half of the suites: servers put under the same load round by round, back to back with the
 * bare node:http baseline (so every ratio compares runs that saw the same machine), and the table that
 * reports them. Figures are medians of rounds; ratios are medians of per-round ratios.
 */
export interface Contender {
  label: string;
  /** Everything of the load but its length, connections and pipelining (those come from the env). */
  spec: Omit<LoadSpec, 'seconds' | 'connections' | 'pipelining'>;
}

export interface Row {
  label: string;
  runs: LoadResult[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const describe = (l: LoadResult) =>
  `${fmt(l.reqPerSec, 0).padStart(7)} req/s  p50 ${fmt(l.exactP50Ms, 3)} ms  p99 ${fmt(l.exactP99Ms, 3)} ms  server ${fmt(l.serverCpuUsPerReq)} µs/req (${fmt(100 * l.serverBusy, 0)}% busy)` +
  `  client ${fmt(100 * l.clientBusy, 0)}%${l.non2xx || l.errors || l.bad ? `  non2xx ${l.non2xx} errors ${l.errors} bad ${l.bad}` : ''}`;

export const loadSpec = (env: SuiteEnv, c: Contender, seconds: number): LoadSpec => ({
  ...c.spec,
  seconds,
  connections: env.connections,
  pipelining: env.pipelining,
});

/** 2 s of warm-up each, then `env.rounds` rounds of every contender back to back. */
export async function runRounds(env: SuiteEnv, contenders: Contender[], tag: string): Promise<Row[]> {
  env.log(`  ${tag}: warm-up (2 s each)`);
  for (const c of contenders) await runLoad(loadSpec(env, c, 2));
  const rows: Row[] = contenders.map((c) => ({ label: c.label, runs: [] }));
  for (let r = 1; r <= env.rounds; r++) {
    env.log(`  ${tag}: round ${r}/${env.rounds}`);
    for (const [i, c] of contenders.entries()) {
      await sleep(300);
      const l = await runLoad(loadSpec(env, c, env.duration));
      rows[i].runs.push(l);
      env.log(`    ${c.label.padEnd(34)} ${describe(l)}`);
    }
  }
  return rows;
}

/** The contender for a running target (bare or Keysmith), with another path/body when given. */
export const contender = (label: string, rt: RunningTarget, over: Partial<Contender['spec']> = {}): Contender => ({
  label,
  spec: { port: rt.server.port, path: rt.path, headers: rt.headers, body: rt.body, serverPid: rt.server.pid, dbComms: rt.target.dbComms, ...over },
});

export const startBare = (env: SuiteEnv) => startTarget(bareTarget(), env.serverCpu);

/** A Keysmith server as bench/http/targets.ts starts it, plus its announcement (token, credential(s)). */
export type KeysmithServer = Awaited<ReturnType<typeof startKeysmithServer>>;
export const startKeysmith = (env: SuiteEnv, backend: Backend, extraArgs: string[]) => startKeysmithServer(backend, env.serverCpu, undefined, extraArgs);

/** The contender for a Keysmith server: POST `path` with `body` and the admin token. */
export const keysmithContender = (
  label: string,
  ks: { server: { port: number; pid: number }; headers: Record<string, string> },
  backend: Backend,
  path: string,
  body: string,
  check: Contender['spec']['check'],
): Contender => ({ label, spec: { port: ks.server.port, path, headers: ks.headers, body, serverPid: ks.server.pid, dbComms: DB_COMMS[backend], check } });

/** One POST outside the load, for the set-up checks. */
export async function post(port: number, path: string, headers: Record<string, string>, body: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export const med = (row: Row | undefined, f: (l: LoadResult) => number) => (row ? median(row.runs.map(f)) : Number.NaN);
export const roundRatio = (row: Row | undefined, base: Row | undefined, f: (l: LoadResult) => number) =>
  row && base ? median(row.runs.map((l, i) => ratio(f(l), f(base.runs[i])))) : Number.NaN;
export const badCount = (row: Row | undefined) => (row ? row.runs.reduce((n, l) => n + l.non2xx + l.errors + l.bad, 0) : 0);

/** The standard HTTP table: one line per row, ratios to `bare` (the first row). */
export function httpTable(rows: Row[], bare: Row, extra?: { head: string; cell: (row: Row) => string }): string[] {
  const out = [
    `| Server | req/s | p50 ms | p99 ms | server CPU µs/req | server core busy | req/s ÷ bare | CPU ÷ bare | p99 ÷ bare |${extra ? ` ${extra.head} |` : ''} non-2xx / errors / bad answers |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|${extra ? '---:|' : ''}---:|`,
  ];
  for (const row of rows) {
    const isBare = row === bare;
    const r = (f: (l: LoadResult) => number) => (isBare ? '1.00' : fmt(roundRatio(row, bare, f)));
    const sum = (f: (l: LoadResult) => number) => row.runs.reduce((n, l) => n + f(l), 0);
    out.push(
      `| ${row.label}${isBare ? ' (baseline)' : ''} | ${fmt(
        med(row, (l) => l.reqPerSec),
        0,
      )} | ${fmt(
        med(row, (l) => l.exactP50Ms),
        3,
      )} | ${fmt(
        med(row, (l) => l.exactP99Ms),
        3,
      )} | ${fmt(
        med(row, (l) => l.serverCpuUsPerReq),
        1,
      )} | ${fmt(100 * med(row, (l) => l.serverBusy), 0)} % | ${r((l) => l.reqPerSec)} | ${r((l) => l.serverCpuUsPerReq)} | ${r((l) => l.exactP99Ms)} |${extra ? ` ${extra.cell(row)} |` : ''} ${sum((l) => l.non2xx)} / ${sum((l) => l.errors)} / ${sum((l) => l.bad)} |`,
    );
  }
  return out;
}

/** Per-round figures, folded. */
export function perRound(rows: Row[], rounds: number): string[] {
  return [
    '<details><summary>Per-round figures (req/s · server CPU µs/req · p99 ms)</summary>',
    '',
    `| Server | ${Array.from({ length: rounds }, (_, i) => `round ${i + 1}`).join(' | ')} |`,
    `|---|${Array.from({ length: rounds }, () => '---:').join('|')}|`,
    ...rows.map(
      (row) => `| ${row.label} | ${row.runs.map((l) => `${fmt(l.reqPerSec, 0)} · ${fmt(l.serverCpuUsPerReq, 1)} · ${fmt(l.exactP99Ms, 2)}`).join(' | ')} |`,
    ),
    '',
    '</details>',
    '',
  ];
}

/**
 * One profiled run of a Keysmith server (`node --cpu-prof`): start it with `extraArgs`, build the load
 * from its announcement, warm up 2 s, then one measured run whose window the summary keeps.
 */
export async function profileKeysmith(
  env: SuiteEnv,
  name: string,
  backend: Backend,
  extraArgs: string[],
  load: (ks: KeysmithServer) => Contender,
): Promise<Profiled> {
  const dir = env.profiles.dir(`${name}-${backend}-${Date.now()}`);
  const ks = await startKeysmithServer(backend, env.serverCpu, dir, extraArgs);
  let window = { fromUs: 0, toUs: Number.MAX_SAFE_INTEGER };
  try {
    const c = load(ks);
    await runLoad(loadSpec(env, c, 2));
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const l = await runLoad(loadSpec(env, c, env.duration));
    window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    env.log(`  profiled run: ${describe(l)}`);
  } finally {
    await ks.stop();
  }
  return { file: env.profiles.mainThread(dir), window };
}

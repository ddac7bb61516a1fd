import autocannon from 'autocannon';
import { cpuByComm, cpuDelta, processCpuMicros } from '../lib/proc.js';
import { runPacedLoad } from './paced-load.js';

export const VERIFY_PATH = '/v2alpha1/admin/apiKeys:verify';

export interface LoadSpec {
  port: number;
  path: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  pipelining: number;
  seconds: number;
  serverPid: number;
  /** Database server process names whose CPU is also counted (empty for none). */
  dbComms: readonly string[];
  /** Hold this many requests per second (autocannon `overallRate`); absent = closed loop, as fast as answered. */
  overallRate?: number;
  /** Hold this many requests per second evenly paced, open loop (paced-load.ts); takes precedence over overallRate. */
  pacedRate?: number;
  /** Checks every response (status, body, lower-cased headers); false counts in `bad`. */
  check?: (status: number, body: string, headers: Record<string, string>) => boolean;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Server process CPU (utime+stime) per completed request. */
  serverCpuUsPerReq: number;
  /** Share of one core the server used during the run. */
  serverBusy: number;
  /** Database server processes' CPU per request (NaN when there is no database server). */
  dbCpuUsPerReq: number;
  /** Share of one core the load generator (this process) used. */
  clientBusy: number;
  /** Responses `check` refused (0 without a check). */
  bad: number;
  /** p50/p99 from every response's own latency (float ms), not autocannon's whole-millisecond histogram. */
  exactP50Ms: number;
  exactP99Ms: number;
}

/** One autocannon run (keep-alive) against 127.0.0.1, with the server's CPU read from /proc around it. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.pacedRate) return runPacedLoad({ ...spec, pacedRate: spec.pacedRate });
  const db0 = spec.dbComms.length ? cpuByComm(spec.dbComms) : undefined;
  const cpu0 = processCpuMicros(spec.serverPid);
  const client0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let bad = 0;
  const check = spec.check;
  const run = autocannon({
    url: `http://127.0.0.1:${spec.port}${spec.path}`,
    method: 'POST',
    headers: spec.headers,
    body: spec.body,
    connections: spec.connections,
    pipelining: spec.pipelining,
    duration: spec.seconds,
    timeout: 10,
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
    ...(check
      ? {
          requests: [
            {
              onResponse: (status: number, body: string, _ctx: unknown, headers: Record<string, string>) => {
                if (!check(status, body, headers)) bad++;
              },
            },
          ],
        }
      : {}),
  });
  const latencies: number[] = [];
  run.on('response', (_client, _status, _bytes, ms) => {
    latencies.push(ms);
  });
  const r = await run;
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu1 = processCpuMicros(spec.serverPid);
  const client = process.cpuUsage(client0);
  const db1 = db0 ? cpuByComm(spec.dbComms) : undefined;
  if (cpu0 === undefined || cpu1 === undefined) throw new Error(`server process ${spec.serverPid} vanished during the load`);
  const requests = r.requests.total;
  const serverCpu = cpu1 - cpu0;
  return {
    requests,
    seconds: wallUs / 1e6,
    reqPerSec: requests / (wallUs / 1e6),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    serverCpuUsPerReq: requests ? serverCpu / requests : Number.NaN,
    serverBusy: serverCpu / wallUs,
    dbCpuUsPerReq: db0 && db1 && requests ? cpuDelta(db0, db1) / requests : Number.NaN,
    clientBusy: (client.user + client.system) / wallUs,
    bad,
    exactP50Ms: percentile(latencies, 0.5),
    exactP99Ms: percentile(latencies, 0.99),
  };
}

/** Nearest-rank percentile (sorts in place). */
function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)];
}

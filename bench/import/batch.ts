/**
 * batch-import: server-side throughput of POST /v2alpha1/admin/importedApiKeys:batchCreate. The real
 * Keysmith server runs in its own process (bench/http/server-keysmith.ts, pinned like the HTTP
 * scenarios); this process sends pre-built bodies of 1000 fresh raw keys each, `inFlight` requests
 * at a time on keep-alive connections, and reads the server's CPU from /proc around the round.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { Backend } from '../../test/helpers/databases.js';
import { type ServerProcess, spawnServer } from '../http/spawn.js';
import { BACKEND_LABEL, benchDatabase } from '../lib/keysmith.js';
import { cpuByComm, cpuDelta, processCpuMicros, processCpuSplit, processIo } from '../lib/proc.js';
import { batchBodies } from './items.js';

export const BATCH_PATH = '/v2alpha1/admin/importedApiKeys:batchCreate';
/** Keys per request: the API's maximum. */
export const KEYS_PER_REQUEST = 1000;
/** Requests in flight, as `keysmith keys import` sends them by default (--concurrency 2). */
export const IMPORT_IN_FLIGHT = 2;
/** Unmeasured requests per server before the first round (JIT, statement caches, pools). */
export const WARMUP_REQUESTS = 5;

const DB_COMMS: Record<Backend, readonly string[]> = { sqlite: [], postgres: ['postgres'], mysql: ['mariadbd', 'mysqld'] };

export interface ImportServer {
  backend: Backend;
  label: string;
  server: ServerProcess;
  token: string;
  dbComms: readonly string[];
  /** Next key number (names stay unique across rounds). */
  nextN: number;
  stop(): Promise<void>;
}

export interface ImportRound {
  requests: number;
  keys: number;
  seconds: number;
  keysPerSec: number;
  /** Server process CPU (utime + stime) per key imported. */
  serverCpuUsPerKey: number;
  /** Share of one core the server used during the round. */
  serverBusy: number;
  /** Share of the server's CPU spent in the kernel (stime ÷ utime + stime). */
  serverSysShare: number;
  /** Bytes the server process wrote / read through syscalls per key, KB (/proc/<pid>/io wchar, rchar: the SQLite file and WAL; not PG/MariaDB). */
  serverWriteKbPerKey: number;
  serverReadKbPerKey: number;
  /** Database server processes' CPU per key (NaN without a database server). */
  dbCpuUsPerKey: number;
  /** Median and max request latency, ms. */
  p50Ms: number;
  maxMs: number;
  /** Responses that were not 200 with success_count = 1000 and failure_count = 0. */
  bad: number;
  /** First bad response, for the report. */
  firstBad?: string;
  clientBusy: number;
}

/** Starts the Keysmith server on a fresh database of `backend`, pinned to `cpu`. */
export async function startImportServer(backend: Backend, cpu: number | null, cpuProfDir?: string): Promise<ImportServer> {
  const db = await benchDatabase(backend);
  let server: ServerProcess;
  try {
    server = await spawnServer('bench/http/server-keysmith.ts', ['--dsn', db.db.dsn, '--data-dir', db.dir, '--log-level', 'info'], { cpu, cpuProfDir });
  } catch (e) {
    await db.cleanup();
    throw e;
  }
  return {
    backend,
    label: `Keysmith batchCreate · ${BACKEND_LABEL[backend]}`,
    server,
    token: String(server.info.token),
    dbComms: DB_COMMS[backend],
    nextN: 1,
    async stop() {
      await server.stop();
      await db.cleanup();
    },
  };
}

/** Builds `requests` bodies of fresh keys for the next round (call before timing). */
export function nextBodies(s: ImportServer, requests: number): string[] {
  const bodies = batchBodies(requests, KEYS_PER_REQUEST, s.nextN);
  s.nextN += requests * KEYS_PER_REQUEST;
  return bodies;
}

interface Answer {
  status: number;
  body: string;
  ms: number;
}

function post(agent: Agent, port: number, token: string, body: string): Promise<Answer> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: BATCH_PATH,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
        timeout: 120_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - t0) / 1e6 }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Empty string if the answer is a full success of KEYS_PER_REQUEST keys, else what is wrong. */
function checkAnswer(a: Answer): string {
  if (a.status !== 200) return `HTTP ${a.status}: ${a.body.slice(0, 300)}`;
  try {
    const j = JSON.parse(a.body) as { success_count?: number; failure_count?: number; results?: { error_code?: string }[] };
    if (j.success_count !== KEYS_PER_REQUEST || (j.failure_count ?? 0) !== 0 || j.results?.length !== KEYS_PER_REQUEST) {
      const firstError = j.results?.find((r) => r.error_code)?.error_code;
      return `success_count ${j.success_count}, failure_count ${j.failure_count}, ${j.results?.length} results${firstError ? ` (first error ${firstError})` : ''}`;
    }
    return '';
  } catch {
    return `not JSON: ${a.body.slice(0, 200)}`;
  }
}

const medianOf = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Sends every body, `inFlight` at a time, and measures the round. */
export async function runImportRound(s: ImportServer, bodies: string[], inFlight = IMPORT_IN_FLIGHT): Promise<ImportRound> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const latencies: number[] = [];
  let bad = 0;
  let firstBad: string | undefined;
  let next = 0;
  const db0 = s.dbComms.length ? cpuByComm(s.dbComms) : undefined;
  const cpu0 = processCpuMicros(s.server.pid);
  const split0 = processCpuSplit(s.server.pid);
  const io0 = processIo(s.server.pid);
  const client0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const a = await post(agent, s.server.port, s.token, body);
      latencies.push(a.ms);
      const problem = checkAnswer(a);
      if (problem) {
        bad += 1;
        firstBad ??= problem;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(inFlight, bodies.length) }, worker));
  } finally {
    agent.destroy();
  }
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu1 = processCpuMicros(s.server.pid);
  const split1 = processCpuSplit(s.server.pid);
  const io1 = processIo(s.server.pid);
  const client = process.cpuUsage(client0);
  const db1 = db0 ? cpuByComm(s.dbComms) : undefined;
  if (cpu0 === undefined || cpu1 === undefined) throw new Error(`server process ${s.server.pid} vanished during the round`);
  const keys = (bodies.length - bad) * KEYS_PER_REQUEST;
  const serverCpu = cpu1 - cpu0;
  return {
    requests: bodies.length,
    keys,
    seconds: wallUs / 1e6,
    keysPerSec: keys / (wallUs / 1e6),
    serverCpuUsPerKey: keys ? serverCpu / keys : Number.NaN,
    serverBusy: serverCpu / wallUs,
    serverSysShare: split0 && split1 && serverCpu > 0 ? (split1.sys - split0.sys) / serverCpu : Number.NaN,
    serverWriteKbPerKey: io0 && io1 && keys ? (io1.wchar - io0.wchar) / 1024 / keys : Number.NaN,
    serverReadKbPerKey: io0 && io1 && keys ? (io1.rchar - io0.rchar) / 1024 / keys : Number.NaN,
    dbCpuUsPerKey: db0 && db1 && keys ? cpuDelta(db0, db1) / keys : Number.NaN,
    p50Ms: medianOf(latencies),
    maxMs: latencies.length ? Math.max(...latencies) : Number.NaN,
    bad,
    firstBad,
    clientBusy: (client.user + client.system) / wallUs,
  };
}

/** Unmeasured requests; throws if the server does not import a full batch (wrong set-up). */
export async function warmUpImport(s: ImportServer, requests = WARMUP_REQUESTS): Promise<void> {
  const r = await runImportRound(s, nextBodies(s, requests));
  if (r.bad) throw new Error(`${s.label}: warm-up batch refused: ${r.firstBad}`);
}

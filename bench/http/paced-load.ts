import { Agent, request } from 'node:http';
import { processCpuMicros } from '../lib/proc.js';
import type { LoadResult, LoadSpec } from './load.js';

/**
 * An open-loop load at an evenly paced rate: request i is due at t0 + i / rate and sent as soon as the event loop
 * comes round (a setImmediate loop: the client's core spins, the server's does not), over `connections` keep-alive sockets; its latency counts from when it was due,
 * not when a socket became free (no coordinated omission: a stalled server shows as latency, not as
 * fewer requests). autocannon's `overallRate` instead sends each connection's per-second quota as fast
 * as it can at the start of every second — bursts at full speed, whose p99 is that of saturation.
 */
export async function runPacedLoad(spec: LoadSpec & { pacedRate: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const headers = { ...spec.headers, 'content-length': String(Buffer.byteLength(spec.body)) };
  const latencies: number[] = [];
  let bad = 0;
  let errors = 0;
  let non2xx = 0;
  let inFlight = 0;
  const cpu0 = processCpuMicros(spec.serverPid);
  const client0 = process.cpuUsage();
  const start = performance.now();
  const end = start + spec.seconds * 1000;
  const interval = 1000 / spec.pacedRate;
  let sent = 0;

  const fire = (due: number) => {
    inFlight++;
    const req = request({ host: '127.0.0.1', port: spec.port, method: 'POST', path: spec.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        inFlight--;
        latencies.push(performance.now() - due);
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) non2xx++;
        if (spec.check && !spec.check(status, Buffer.concat(chunks).toString('utf8'), res.headers as Record<string, string>)) bad++;
      });
    });
    req.on('error', () => {
      inFlight--;
      errors++;
    });
    req.end(spec.body);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const dueUntil = Math.min(now, end);
      while (start + sent * interval <= dueUntil) fire(start + sent++ * interval);
      if (now < end) setImmediate(tick);
      else resolve();
    };
    tick();
  });
  // Let what was sent finish (bounded).
  const drainBy = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < drainBy) await new Promise((r) => setTimeout(r, 5));
  const wallMs = performance.now() - start;
  const cpu1 = processCpuMicros(spec.serverPid);
  const client = process.cpuUsage(client0);
  agent.destroy();
  if (cpu0 === undefined || cpu1 === undefined) throw new Error(`server process ${spec.serverPid} vanished during the load`);
  const requests = latencies.length;
  const sorted = latencies.sort((a, b) => a - b);
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : Number.NaN);
  return {
    requests,
    seconds: wallMs / 1000,
    reqPerSec: requests / (wallMs / 1000),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    non2xx,
    errors: errors + (sent - requests - errors),
    serverCpuUsPerReq: requests ? (cpu1 - cpu0) / requests : Number.NaN,
    serverBusy: (cpu1 - cpu0) / (wallMs * 1000),
    dbCpuUsPerReq: Number.NaN,
    clientBusy: (client.user + client.system) / (wallMs * 1000),
    bad,
    exactP50Ms: pct(0.5),
    exactP99Ms: pct(0.99),
  };
}

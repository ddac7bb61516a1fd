/**
 * Aggregates self time of a V8 .cpuprofile (node --cpu-prof) per function (name + url + line) and per
 * module group (a node_modules package, a Keysmith source folder, node internals, GC, idle).
 * Standalone: tsx bench/lib/cpuprofile.ts <file.cpuprofile> [top] [fromUs toUs]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './paths.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  ms: number;
  /** Share of all sampled time. */
  pct: number;
  /** Share of busy time (everything but idle). */
  busyPct: number;
}

export interface ProfileSummary {
  file: string;
  /** Set when only the samples of a time window (the measured load) were counted. */
  windowMs?: number;
  totalMs: number;
  idleMs: number;
  groups: Row[];
  functions: Row[];
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function shortUrl(url: string): string {
  let u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) return u.slice(nm + '/node_modules/'.length);
  if (u.startsWith(REPO_ROOT)) u = u.slice(REPO_ROOT.length + 1);
  return u;
}

export function groupOf(fn: string, url: string): string {
  if (!url) return SPECIAL.has(fn) ? fn : 'V8/native (no url)';
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    return `node:${parts[0] === 'internal' && parts.length > 2 ? `internal/${parts[1]}` : parts.join('/')}`;
  }
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const rel = shortUrl(url);
  if (rel.startsWith('src/')) return `keysmith:${rel.split('/').slice(0, -1).join('/')}`;
  if (rel.startsWith('bench/')) return 'bench harness';
  return rel;
}

/** A window in µs of the monotonic clock (= process.hrtime.bigint() / 1000n on the same machine). */
export interface Window {
  fromUs: number;
  toUs: number;
}

/**
 * Self time per function and per group. With `window`, only samples inside it count — so start-up
 * (module loading through tsx, JIT warm-up) stays out of a profile of the load itself. V8 profile
 * timestamps and process.hrtime share CLOCK_MONOTONIC, so a window taken in another process works.
 */
export function summariseProfile(file: string, top = 15, window?: Window): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // timeDeltas[i] is the gap before sample i; the time of sample i runs until sample i+1.
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const dt = i + 1 < p.timeDeltas.length ? p.timeDeltas[i + 1] : 0;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + Math.max(0, dt));
  }
  const fns = new Map<string, number>();
  const groups = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const name = functionName || '(anonymous)';
    total += us;
    if (name === '(idle)') idle += us;
    const key = url ? `${name} — ${shortUrl(url)}:${lineNumber + 1}` : name;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const g = groupOf(name, url);
    groups.set(g, (groups.get(g) ?? 0) + us);
  }
  const busy = total - idle;
  const rows = (m: Map<string, number>, n: number): Row[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: total ? (100 * us) / total : 0, busyPct: busy && name !== '(idle)' ? (100 * us) / busy : 0 }));
  return {
    file,
    windowMs: window ? (window.toUs - window.fromUs) / 1000 : undefined,
    totalMs: total / 1000,
    idleMs: idle / 1000,
    groups: rows(groups, 12),
    functions: rows(fns, top),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/lib/cpuprofile.ts <file.cpuprofile> [top] [fromUs toUs]\n');
    process.exit(2);
  }
  // optional window: from and to in µs of the monotonic clock
  const from = process.argv[4];
  const to = process.argv[5];
  const s = summariseProfile(file, Number(process.argv[3] ?? 20), from && to ? { fromUs: Number(from), toUs: Number(to) } : undefined);
  process.stdout.write(`${s.file}: ${s.totalMs.toFixed(0)} ms sampled, ${s.idleMs.toFixed(0)} ms idle\n\nby group:\n`);
  for (const r of s.groups) process.stdout.write(`  ${r.busyPct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(1).padStart(8)} ms  ${r.name}\n`);
  process.stdout.write('\ntop self time:\n');
  for (const r of s.functions) process.stdout.write(`  ${r.busyPct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(1).padStart(8)} ms  ${r.name}\n`);
}

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat utime/stime (getconf CLK_TCK; 100 almost everywhere). */
export const CLK_TCK: number = (() => {
  try {
    const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(v) && v > 0 ? v : 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of one process in µs, or undefined if it is gone. */
export function processCpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces; everything after the last ')' is space separated from field 3.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]); // field 14
    const stime = Number(rest[12]); // field 15
    return ((utime + stime) * 1e6) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** CPU µs of every process whose comm is one of `names` (database servers), keyed by pid. */
export function cpuByComm(names: readonly string[]): Map<number, number> {
  const out = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!names.includes(comm)) continue;
      const cpu = processCpuMicros(Number(e));
      if (cpu !== undefined) out.set(Number(e), cpu);
    } catch {
      // process exited between readdir and read
    }
  }
  return out;
}

/** CPU spent between two cpuByComm snapshots (processes born in between count from zero). */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

export function hasTaskset(): boolean {
  try {
    execFileSync('which', ['taskset'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of a running process to one CPU; returns false if that failed. */
export function pinProcess(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** utime and stime of one process in µs, or undefined if it is gone. */
export function processCpuSplit(pid: number): { user: number; sys: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: (Number(rest[11]) * 1e6) / CLK_TCK, sys: (Number(rest[12]) * 1e6) / CLK_TCK };
  } catch {
    return undefined;
  }
}

/**
 * Bytes a process moved through read/write-like syscalls (`rchar`, `wchar`: page cache included) and
 * to/from the block layer (`read_bytes`, `write_bytes`), from /proc/<pid>/io; undefined if unreadable.
 */
export function processIo(pid: number): { rchar: number; wchar: number; readBytes: number; writeBytes: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { rchar: field('rchar'), wchar: field('wchar'), readBytes: field('read_bytes'), writeBytes: field('write_bytes') };
  } catch {
    return undefined;
  }
}

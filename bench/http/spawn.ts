import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../lib/paths.js';

export interface ServerProcess {
  pid: number;
  port: number;
  info: Record<string, unknown>;
  /** SIGTERM, wait for the exit (the profile, if any, is written by then); SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Pin to this CPU with taskset (null: don't pin). */
  cpu: number | null;
  /** Write a V8 CPU profile into this directory on exit. */
  cpuProfDir?: string;
  startTimeoutMs?: number;
}

/**
 * Starts a bench server script (TypeScript, through tsx's loader in the same node process, so the pid
 * that prints its JSON line is the one whose /proc/<pid>/stat we read) and waits for its JSON line.
 */
export async function spawnServer(script: string, args: string[], opts: SpawnOptions): Promise<ServerProcess> {
  const nodeArgs = ['--import', 'tsx'];
  if (opts.cpuProfDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir, '--cpu-prof-interval', '250');
  nodeArgs.push(join(REPO_ROOT, script), ...args);
  const [cmd, argv] = opts.cpu === null ? [process.execPath, nodeArgs] : ['taskset', ['-c', String(opts.cpu), process.execPath, ...nodeArgs]];
  const child: ChildProcess = spawn(cmd, argv, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${opts.startTimeoutMs ?? 60_000} ms\n${stderr}`));
    }, opts.startTimeoutMs ?? 60_000);
    if (!child.stdout) throw new Error('no stdout pipe');
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        reject(new Error(`${script} printed a non-JSON first line: ${line}\n${stderr}`));
      }
      // keep draining stdout so the server never blocks on a full pipe
      lines.on('line', () => {});
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before announcing (code ${code}, signal ${signal})\n${stderr}`));
    });
  });

  const pid = Number(info.pid);
  if (child.pid !== undefined && pid !== child.pid) throw new Error(`${script}: announced pid ${pid} is not the spawned pid ${child.pid}`);
  return {
    pid,
    port: Number(info.port),
    info,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

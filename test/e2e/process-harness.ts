import { type ChildProcess, spawn } from 'node:child_process';
import { cleanEnv, freePort } from '../helpers/server-process.js';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the real `keysmith` program as child processes (tsx on src/main.ts, so never a stale build),
 * on loopback ports only. Every process started here is tracked: `killAll()` in `after()` ends the
 * ones still alive even when a test failed halfway.
 */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BASE58_TOKEN = /ks_pat_[1-9A-HJ-NP-Za-km-z]+/g;

const SERVER_READY_MS = 20_000;
const CLI_TIMEOUT_MS = 20_000;
const live = new Set<ChildProcess>();

export { freePort };

function spawnKeysmith(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: cleanEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

/** Resolves with the exit code (or the signal name) once the process has exited, or undefined on timeout. */
async function waitExit(child: ChildProcess, ms: number): Promise<number | string | undefined> {
  if (!exited(child)) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([once(child, 'exit'), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }
  if (!exited(child)) return undefined;
  return child.exitCode ?? (child.signalCode as string);
}

/** SIGKILLs every process this harness started that is still running. Call it from `after()`. */
export async function killAll(): Promise<void> {
  const children = [...live];
  for (const c of children) if (!exited(c)) c.kill('SIGKILL');
  await Promise.all(children.map((c) => waitExit(c, 5_000)));
}

export interface CliResult {
  code: number | string | undefined;
  stdout: string;
  stderr: string;
}

/** Runs `keysmith <args>` to completion (bounded: SIGKILL after `timeoutMs`). */
export async function runKeysmith(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawnKeysmith(args, opts.env ?? {});
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  child.stdin?.end(opts.input ?? '');
  const timeoutMs = opts.timeoutMs ?? CLI_TIMEOUT_MS;
  let code = await waitExit(child, timeoutMs);
  if (code === undefined) {
    child.kill('SIGKILL');
    await waitExit(child, 5_000);
    throw new Error(`keysmith ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
  // 'exit' can fire before the pipes are drained.
  await Promise.all([
    child.stdout && !child.stdout.closed ? once(child.stdout, 'close') : null,
    child.stderr && !child.stderr.closed ? once(child.stderr, 'close') : null,
  ]);
  code = child.exitCode ?? (child.signalCode as string);
  return { code, stdout, stderr };
}

export interface ServerProc {
  child: ChildProcess;
  httpPort: number;
  metricsPort: number;
  /** http://127.0.0.1:<api port> */
  url: string;
  metricsUrl: string;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and waits (bounded) for the exit; returns the code, or undefined if it did not exit. */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<number | string | undefined>;
}

/**
 * Starts `keysmith serve [mode]` on fresh loopback ports and waits until `/health/ready` answers 200
 * on both. Rejects (with the process output) if it exits first or is not ready in time.
 */
export async function startServer(env: Record<string, string>, mode?: string): Promise<ServerProc> {
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  const child = spawnKeysmith(['serve', ...(mode ? [mode] : [])], {
    KEYSMITH_SERVE_HTTP_HOST: '127.0.0.1',
    KEYSMITH_SERVE_METRICS_HOST: '127.0.0.1',
    KEYSMITH_SERVE_HTTP_PORT: String(httpPort),
    KEYSMITH_SERVE_METRICS_PORT: String(metricsPort),
    ...env,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const proc: ServerProc = {
    child,
    httpPort,
    metricsPort,
    url: `http://127.0.0.1:${httpPort}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM', ms = 10_000) {
      if (exited(child)) return child.exitCode ?? (child.signalCode as string);
      child.kill(signal);
      const code = await waitExit(child, ms);
      if (code === undefined) {
        child.kill('SIGKILL');
        await waitExit(child, 5_000);
      }
      return code;
    },
  };
  const deadline = Date.now() + SERVER_READY_MS;
  const pending = new Set([proc.url, proc.metricsUrl]);
  while (pending.size) {
    if (exited(child)) throw new Error(`keysmith serve exited (${child.exitCode ?? child.signalCode}) before ready\nstdout: ${out}\nstderr: ${err}`);
    if (Date.now() > deadline) {
      await proc.stop('SIGKILL');
      throw new Error(`keysmith serve not ready within ${SERVER_READY_MS} ms\nstdout: ${out}\nstderr: ${err}`);
    }
    for (const base of [...pending]) {
      try {
        const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.status === 200) pending.delete(base);
      } catch {
        // not listening yet
      }
    }
    if (pending.size) await new Promise((r) => setTimeout(r, 50));
  }
  return proc;
}

/** JSON call on the admin API with a bearer token (fetch, real HTTP). */
export async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

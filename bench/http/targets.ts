import type { Backend } from '../../test/helpers/databases.js';
import { BACKEND_LABEL, benchDatabase } from '../lib/keysmith.js';
import { VERIFY_PATH } from './load.js';
import { type ServerProcess, spawnServer } from './spawn.js';

/** A server the HTTP scenarios put under load: the bare baseline, or Keysmith verify on one backend. */
export interface HttpTarget {
  scenario: 'http-bare' | 'http-verify';
  backend: Backend | null;
  label: string;
  /** Process names of the database server, whose CPU is reported beside the Node server's. */
  dbComms: readonly string[];
}

export interface RunningTarget {
  target: HttpTarget;
  server: ServerProcess;
  path: string;
  headers: Record<string, string>;
  body: string;
  stop(): Promise<void>;
}

export const DB_COMMS: Record<Backend, readonly string[]> = { sqlite: [], postgres: ['postgres'], mysql: ['mariadbd', 'mysqld'] };

export const bareTarget = (): HttpTarget => ({ scenario: 'http-bare', backend: null, label: 'bare node:http', dbComms: [] });
export const verifyTarget = (backend: Backend): HttpTarget => ({
  scenario: 'http-verify',
  backend,
  label: `Keysmith verify · ${BACKEND_LABEL[backend]}`,
  dbComms: DB_COMMS[backend],
});

/** Starts the target's server process (pinned to `cpu`) and checks one request answers as expected. */
export async function startTarget(target: HttpTarget, cpu: number | null, cpuProfDir?: string): Promise<RunningTarget> {
  if (target.backend === null) {
    const server = await spawnServer('bench/http/server-bare.ts', [], { cpu, cpuProfDir });
    const rt: RunningTarget = {
      target,
      server,
      path: VERIFY_PATH,
      headers: { 'content-type': 'application/json', authorization: 'Bearer ks_pat_not_checked_by_the_bare_server' },
      body: JSON.stringify({ credential: 'bare-baseline-credential' }),
      stop: () => server.stop(),
    };
    await check(rt);
    return rt;
  }
  const ks = await startKeysmithServer(target.backend, cpu, cpuProfDir);
  const rt: RunningTarget = {
    target,
    server: ks.server,
    path: VERIFY_PATH,
    headers: ks.headers,
    body: JSON.stringify({ credential: String(ks.server.info.credential) }),
    stop: ks.stop,
  };
  try {
    await check(rt);
  } catch (e) {
    await rt.stop();
    throw e;
  }
  return rt;
}

/** A Keysmith server process (bench/http/server-keysmith.ts) on a fresh database; `extraArgs` e.g. `--cache on --keys 100`. */
export async function startKeysmithServer(
  backend: Backend,
  cpu: number | null,
  cpuProfDir?: string,
  extraArgs: string[] = [],
): Promise<{ server: ServerProcess; headers: Record<string, string>; stop(): Promise<void> }> {
  const db = await benchDatabase(backend);
  let server: ServerProcess;
  try {
    server = await spawnServer('bench/http/server-keysmith.ts', ['--dsn', db.db.dsn, '--data-dir', db.dir, '--log-level', 'info', ...extraArgs], {
      cpu,
      cpuProfDir,
    });
  } catch (e) {
    await db.cleanup();
    throw e;
  }
  return {
    server,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${String(server.info.token)}` },
    async stop() {
      await server.stop();
      await db.cleanup();
    },
  };
}

async function check(rt: RunningTarget): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${rt.server.port}${rt.path}`, { method: 'POST', headers: rt.headers, body: rt.body });
  const json = (await res.json()) as { is_valid?: boolean };
  if (res.status !== 200 || json.is_valid !== true)
    throw new Error(`${rt.target.label}: sanity request answered ${res.status} ${JSON.stringify(json)} (expected 200 with is_valid:true)`);
}

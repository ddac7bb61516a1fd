import { parseArgs } from 'node:util';

/** Exit cleanly (so `--cpu-prof` gets written) on SIGTERM/SIGINT, or when the parent goes away (stdin closes). */
export function exitOnStop(close: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 5000);
    force.unref();
    close()
      .catch(() => {})
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

export function serverArgs() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      dsn: { type: 'string' },
      'data-dir': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      cache: { type: 'string', default: 'off' },
      keys: { type: 'string', default: '1' },
    },
    strict: true,
  });
  if (values.cache !== 'on' && values.cache !== 'off') throw new Error('--cache must be on or off');
  const keys = Number(values.keys);
  if (!Number.isInteger(keys) || keys < 1 || keys > 10_000) throw new Error('--keys must be an integer in [1, 10000]');
  return {
    port: Number(values.port),
    dsn: values.dsn,
    dataDir: values['data-dir'],
    logLevel: values['log-level'] ?? 'info',
    cache: values.cache === 'on',
    keys,
  };
}

/** The one line the parent waits for. */
export function announce(info: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...info, pid: process.pid })}\n`);
}

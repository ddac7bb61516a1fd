import { writeSync } from 'node:fs';
import pino, { type DestinationStream, type Logger } from 'pino';
import { isoTimestamp } from '../shared/time-format.js';
import { LineBlocks } from './line-blocks.js';

/**
 * Paths that must never reach a log line even if some code logs a whole object by mistake:
 * credentials, secrets, tokens, Authorization headers and request bodies of credential endpoints.
 * Exact paths only: a wildcard (`*.secret`) makes every log line walk its object and doubled the cost
 * of the per-request access line (≈ 9 → 3 µs measured); the tests that capture the log stream of whole
 * lifecycles are the real guard.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'credential',
  'secret',
  'token',
  'raw_key',
  'body',
  'req.body',
  'err.credential',
  'err.secret',
  'err.token',
  'params.credential',
  'query.token',
  'master_key',
  'admin_token',
];

/** `mixin` (tracing on only): fields added to every line, e.g. the active span's trace id. */
export function createLogger(level: string, destination?: DestinationStream, mixin?: () => Record<string, unknown>): Logger {
  return pino(
    {
      level,
      mixin,
      base: { service: 'keysmith' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      // pino's isoTime, without toISOString's per-call time-zone lookup (shared/time-format.ts).
      timestamp: () => `,"time":"${isoTimestamp(Date.now())}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? blockLogDestination(),
  );
}

/**
 * A file descriptor (stdout by default) written in blocks of ≥ 4 KB instead of one write per line (each
 * write is a thread-pool job: at ~15,000 verifies/s the per-line writes cost ≈ 10 % of the server's
 * CPU), gathered by LineBlocks (line-blocks.ts: sonic-boom's own minLength re-measures its whole buffer
 * on every line), and flushed at least once a second so a quiet server's lines are never held back
 * longer; the rest at exit. The benchmarks log through this too, to /dev/null.
 */
export function blockLogDestination(fd = 1): LineBlocks {
  const dest = new LineBlocks(pino.destination({ dest: fd, sync: false }), 4096, (block) => writeSync(fd, block));
  setInterval(() => dest.flush(), 1000).unref();
  return dest;
}

/**
 * Keysmith under load: starts the real server (startApp) on loopback with the given DSN, issues one
 * key, and prints {"port":…,"token":…,"credential":…,"pid":…} on one stdout line; serves until
 * SIGTERM/SIGINT (clean exit, so `node --cpu-prof` writes its profile).
 * Usage: node --import tsx bench/http/server-keysmith.ts --dsn <dsn> --data-dir <dir> [--port N] [--log-level info]
 *        [--cache on|off] [--keys N]
 * --cache on enables the default project's verify cache (off by default, as in production);
 * --keys N issues N keys and also announces them all as "credentials".
 * The database must exist (the bench creates a fresh one); the schema is migrated on start.
 * Logs are produced at --log-level (default info, the production default: one access line per
 * request) and written to /dev/null.
 */
import { BENCH_ADMIN_TOKEN, startIssuedFixture } from '../lib/keysmith.js';
import { announce, exitOnStop, serverArgs } from './server-common.js';

const { port, dsn, dataDir, logLevel, cache, keys } = serverArgs();
if (!dsn || !dataDir) {
  process.stderr.write('server-keysmith: --dsn and --data-dir are required\n');
  process.exit(2);
}

const fx = await startIssuedFixture(dsn, dataDir, port, logLevel, { cache, keys });
announce({ port: fx.port, token: BENCH_ADMIN_TOKEN, credential: fx.credential, ...(keys > 1 ? { credentials: fx.credentials } : {}) });
exitOnStop(() => fx.app.close());

/**
 * Keysmith under load: starts the real server (startApp) on loopback with the given DSN, issues one
 * key, and prints {"port":…,"token":…,"credential":…,"pid":…} on one stdout line; serves until
 * SIGTERM/SIGINT (clean exit, so `node --cpu-prof` writes its profile).
 * Usage: node --import tsx bench/http/server-keysmith.ts --dsn <dsn> --data-dir <dir> [--port N] [--log-level info]
 * The database must exist (the bench creates a fresh one); the schema is migrated on start.
 * Logs are produced at --log-level (default info, the production default: one access line per
 * request) and written to /dev/null.
 */
import { BENCH_ADMIN_TOKEN, startIssuedFixture } from '../lib/keysmith.js';
import { announce, exitOnStop, serverArgs } from './server-common.js';

const { port, dsn, dataDir, logLevel } = serverArgs();
if (!dsn || !dataDir) {
  process.stderr.write('server-keysmith: --dsn and --data-dir are required\n');
  process.exit(2);
}

const fx = await startIssuedFixture(dsn, dataDir, port, logLevel);
announce({ port: fx.port, token: BENCH_ADMIN_TOKEN, credential: fx.credential });
exitOnStop(() => fx.app.close());

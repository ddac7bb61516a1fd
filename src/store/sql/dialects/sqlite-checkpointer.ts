import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Moves SQLite's WAL checkpoints off the main thread. By default the connection that commits a
 * transaction pushing the WAL past 1000 pages copies those pages into the database file and fsyncs
 * both files before returning, inline: under a batch import (each 1000-key batch dirties thousands of
 * random index pages) that was ~20 % of the server's wall time spent blocked, with the event loop
 * stopped. Here a worker thread with its own connection to the same file runs
 * `wal_checkpoint(PASSIVE)` every `intervalMs`; PASSIVE never blocks writers or readers, and the main
 * connection's commits never fsync (WAL + synchronous=NORMAL). The main connection keeps an automatic
 * checkpoint at a much higher threshold as a backstop, so the WAL stays bounded even if the worker
 * were to fall behind or die — and restarts, under sustained writes (BACKSTOP_WAL_BYTES).
 *
 * The worker starts only once the write load calls for it — the WAL file seen above ENGAGE_WAL_BYTES,
 * which SQLite's own 1000-page checkpoints keep it under unless single transactions are large or
 * frequent. Until then (and so in most small deployments and in tests) SQLite checkpoints as usual.
 *
 * Not for `:memory:` databases (each connection would see its own database).
 */
export interface Checkpointer {
  /** Whether checkpoints run in the worker now. */
  readonly engaged: boolean;
  close(): Promise<void>;
}

// The worker's whole program: plain JavaScript, so it runs the same from src/ (tsx) and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try { checkpoint.get(); } catch { /* SQLITE_BUSY: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  try { checkpoint.get(); } catch {}
  db.close();
  parentPort.postMessage('closed');
});
`;

const ENGAGE_WAL_BYTES = 8 * 1024 * 1024;
const WATCH_MS = 500;
/**
 * WAL size at which the main connection checkpoints by itself once the worker runs (SQLite's default
 * is 1000 pages): 256 MB, set in pages of the file's own page size (8 KB for a new file, 4 KB for an
 * older one). More than a bound for a dead worker — under a sustained import the backstop is
 * what restarts the WAL. A PASSIVE checkpoint copies every frame up to the newest commit, but the WAL
 * only starts over when a writer finds it fully copied, and back-to-back commits always leave a newer
 * frame behind; so the WAL grows until the backstop, where the committing request copies what the
 * worker has not yet copied and fsyncs twice. At 64 MB that happened several times a second during
 * batch imports; measurements in docs/performance.md (issue 5). The WAL file is truncated back to
 * 64 MB afterwards (`journal_size_limit`).
 */
const BACKSTOP_WAL_BYTES = 256 * 1024 * 1024;

/** Watches `<path>-wal` and moves checkpoints to a worker once it grows past ENGAGE_WAL_BYTES. */
export function backgroundCheckpoints(raw: BetterSqlite3.Database, path: string, driver: string): Checkpointer {
  let worker: (() => Promise<void>) | null = null;
  let closed = false;
  const watch = setInterval(() => {
    void stat(`${path}-wal`).then(
      (s) => {
        if (closed || worker || s.size < ENGAGE_WAL_BYTES) return;
        clearInterval(watch);
        worker = startCheckpointer(path, driver);
        const pageBytes = Number(raw.pragma('page_size', { simple: true })) || 4096;
        raw.pragma(`wal_autocheckpoint = ${Math.ceil(BACKSTOP_WAL_BYTES / pageBytes)}`);
        // After a burst the WAL file would keep its high-water size: truncate it to 64 MB once checkpointed.
        raw.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      },
      () => {}, // no WAL file yet
    );
  }, WATCH_MS);
  watch.unref();
  return {
    get engaged() {
      return worker !== null;
    },
    async close() {
      closed = true;
      clearInterval(watch);
      await worker?.();
    },
  };
}

/** Starts the worker; returns its close (a last checkpoint, then the worker ends; at most ~2 s). */
function startCheckpointer(path: string, driver: string, intervalMs = 100): () => Promise<void> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs } });
  worker.unref(); // never what keeps the process alive
  // A worker that fails (file gone, driver missing) leaves the backstop checkpoint in charge.
  worker.on('error', () => {});
  let closing: Promise<void> | null = null;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        void worker.terminate().finally(resolve);
      };
      const timer = setTimeout(done, 2000);
      worker.once('message', (m) => m === 'closed' && done());
      worker.once('exit', done);
      worker.postMessage('close');
    });
    return closing;
  };
}

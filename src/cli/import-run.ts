// The `keys import` pipeline: read the file a buffer at a time → decode lines into items → cut them
// into batches (≤ batch size items, ≤ a byte budget) → keep up to `concurrency` batches in flight →
// retire batches in file order, so counters, progress and the report advance line by line. Memory
// is bounded by concurrency × batch size, whatever the file size.
import { type BatchLine, type BatchOutcome, type BatchSender, DEFAULT_RETRY, type LineResult, type RetryPolicy, sendBatch } from './import-batch.js';
import { countNonEmptyLines, readLineChunks } from './import-lines.js';
import { type ImportCounts, ProgressReporter } from './import-progress.js';
import type { ReportSink } from './import-report.js';
import { createDecoder, type ImportFormat, type SourceEntry } from './import-source.js';
import type { Writer } from './output.js';

export interface ImportRunOptions {
  file: string;
  format: ImportFormat;
  batchSize: number;
  concurrency: number;
  /** The fast first pass that gives progress a total (`--no-count` turns it off). */
  count: boolean;
}

export interface ImportRunDeps {
  sender: BatchSender;
  report: ReportSink;
  /** Progress goes here (stderr). */
  progress: Writer;
  tty: boolean;
  /** Removes the token from anything the server sent back. */
  redact: (s: string) => string;
  retry?: RetryPolicy;
  /** Aborting stops reading; batches in flight still finish and are accounted (SIGINT). */
  signal?: AbortSignal;
  now?: () => number;
  maxBatchBytes?: number;
}

export interface ImportRunResult {
  counts: ImportCounts;
  total?: number;
  elapsedMs: number;
  /** Why the run ended before the end of the file, if it did. */
  stopped?: string;
  /** First line that was read but never sent (only when stopped). */
  firstUnsentLine?: number;
}

/** Under the server's 1 MiB body limit (errors.md PAYLOAD_TOO_LARGE), with room for the envelope. */
export const MAX_BATCH_BYTES = 768 * 1024;
/** This many batches in a row given up on transport or 5xx errors: the API is down, stop. */
const UNREACHABLE_STREAK = 2;

interface Batch {
  lines: BatchLine[];
  /** Lines that were bad before sending; they ride along to keep the report in line order. */
  failures: LineResult[];
  bytes: number;
}

export async function runImport(opts: ImportRunOptions, deps: ImportRunDeps): Promise<ImportRunResult> {
  const now = deps.now ?? Date.now;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const maxBytes = deps.maxBatchBytes ?? MAX_BATCH_BYTES;
  const total = opts.count ? Math.max(0, (await countNonEmptyLines(opts.file)) - (opts.format === 'csv' ? 1 : 0)) : undefined;
  const started = now();
  const counts: ImportCounts = { created: 0, replayed: 0, existed: 0, failed: 0 };
  const progress = new ProgressReporter(deps.progress, deps.tty, total, counts, started, now);
  const decoder = createDecoder(opts.format);
  const window: Promise<{ batch: Batch; outcome: BatchOutcome }>[] = [];
  const ready: Batch[] = [];
  let batch: Batch = { lines: [], failures: [], bytes: 0 };
  let stopped: string | undefined;
  let unreachableStreak = 0;
  let lastRead = 0;
  let eof = false;

  const close = (): void => {
    if (batch.lines.length || batch.failures.length) ready.push(batch);
    batch = { lines: [], failures: [], bytes: 0 };
  };
  const add = (e: SourceEntry): void => {
    if ('error_code' in e) {
      batch.failures.push({ line: e.line, outcome: 'failed', error_code: e.error_code, error_message: e.error_message });
      if (batch.failures.length >= opts.batchSize) close();
      return;
    }
    const size = (e.bytes ?? Buffer.byteLength(JSON.stringify(e.item))) + 1;
    if (size > maxBytes) {
      batch.failures.push({ line: e.line, outcome: 'failed', error_code: 'ITEM_TOO_LARGE', error_message: `the item is ${size} bytes as JSON` });
      return;
    }
    if (batch.bytes + size > maxBytes) close();
    batch.lines.push({ line: e.line, item: e.item });
    batch.bytes += size;
    if (batch.lines.length >= opts.batchSize) close();
  };
  const retire = async (): Promise<void> => {
    const { batch: done, outcome } = await (window.shift() as (typeof window)[number]);
    const results = done.failures.length ? [...done.failures, ...outcome.results] : outcome.results;
    results.sort((a, b) => a.line - b.line);
    for (const r of results) counts[r.outcome] += 1;
    deps.report.write(results);
    progress.update();
    if (outcome.fatal) stopped ??= outcome.fatal;
    unreachableStreak = outcome.unreachable ? unreachableStreak + 1 : 0;
    if (unreachableStreak >= UNREACHABLE_STREAK) stopped ??= `the API is unreachable: ${outcome.results[0]?.error_message ?? ''}`;
  };
  const dispatch = async (b: Batch): Promise<void> => {
    const sent = b.lines.length ? sendBatch(deps.sender, b.lines, retry, deps.redact) : Promise.resolve({ results: [] });
    window.push(sent.then((outcome) => ({ batch: b, outcome })));
    while (window.length >= opts.concurrency) await retire();
  };
  const drainReady = async (): Promise<void> => {
    while (ready.length && !stopped && !deps.signal?.aborted) await dispatch(ready.shift() as Batch);
  };

  progress.start();
  try {
    reading: for await (const chunk of readLineChunks(opts.file)) {
      for (const line of chunk) {
        lastRead = line.no;
        for (const e of decoder.push(line)) add(e);
        if (ready.length) await drainReady();
        if (stopped || deps.signal?.aborted) break reading;
      }
    }
    if (!stopped && !deps.signal?.aborted) {
      eof = true;
      for (const e of decoder.end()) add(e);
      close();
      await drainReady();
    }
    while (window.length) await retire();
  } finally {
    progress.stop();
  }
  if (!stopped && deps.signal?.aborted) stopped = 'interrupted';
  let firstUnsentLine: number | undefined;
  for (const b of [...ready, batch]) {
    // Bad lines already read are reported even when the run stops; unsent good lines are not failures.
    counts.failed += b.failures.length;
    deps.report.write(b.failures);
    for (const l of b.lines) firstUnsentLine = Math.min(firstUnsentLine ?? l.line, l.line);
  }
  if (stopped && !eof) firstUnsentLine ??= lastRead + 1;
  return { counts, total, elapsedMs: now() - started, stopped, firstUnsentLine };
}

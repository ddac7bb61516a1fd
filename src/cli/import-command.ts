// `keysmith keys import`: bulk migration of existing keys through importedApiKeys:batchCreate.
// Everything that can be wrong with the command line (options, the file, the report path, a CSV
// header) is found before the first request: exit 2 with nothing sent. Then exit 0 if every line
// was imported (or already was), 1 if any line failed or the run stopped early.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { KeysIo } from './keys-actions.js';
import { AdminClient } from './http-client.js';
import type { RetryPolicy } from './import-batch.js';
import { formatSummary, perSecond, settledCount } from './import-progress.js';
import { ImportReport } from './import-report.js';
import { type ImportRunResult, runImport } from './import-run.js';
import { formatFromPath, type ImportFormat } from './import-source.js';
import { parsePositiveInt, UsageError } from './keys-input.js';
import { printResult } from './output.js';

export const MAX_BATCH_SIZE = 1000;
const MAX_CONCURRENCY = 32;

export interface ImportCliOptions {
  file?: string;
  formatIn?: string;
  report?: string;
  batchSize?: string;
  concurrency?: string;
  count?: boolean;
}

/** Test seam: a fast retry policy. */
export interface ImportCommandHooks {
  retry?: RetryPolicy;
}

export function registerImportCommand(
  keys: Command,
  io: KeysIo,
  onError: (err: unknown, token: string | undefined) => void,
  hooks: ImportCommandHooks = {},
): void {
  keys
    .command('import')
    .description('bulk-import existing keys from a JSON Lines or CSV file (importedApiKeys:batchCreate)')
    .option('--file <path>', 'the keys to import: .jsonl/.ndjson (one JSON object a line) or .csv (header row)')
    .option('--format-in <format>', 'jsonl or csv (default: from the file extension)')
    .option('--report <path>', 'where failed lines are listed (default: <file>.import-report.jsonl)')
    .option('--batch-size <n>', `keys per request, at most ${MAX_BATCH_SIZE}`, String(MAX_BATCH_SIZE))
    .option('--concurrency <n>', 'requests in flight', '2')
    .option('--no-count', 'skip the first pass that counts lines for the progress total')
    .action(async (opts: ImportCliOptions, cmd: Command) => {
      const global = cmd.optsWithGlobals<{ endpoint: string; token?: string; format: 'table' | 'json' }>();
      try {
        await importKeys(io, global, opts, hooks);
      } catch (err) {
        onError(err, global.token);
      }
    });
}

async function importKeys(
  io: KeysIo,
  global: { endpoint: string; token?: string; format: 'table' | 'json' },
  opts: ImportCliOptions,
  hooks: ImportCommandHooks,
): Promise<void> {
  const { file, format, reportPath, batchSize, concurrency } = checkOptions(opts);
  let client: AdminClient;
  try {
    client = new AdminClient({ endpoint: global.endpoint, token: global.token });
  } catch (err) {
    throw new UsageError(`--endpoint: ${(err as Error).message}`);
  }
  const token = global.token;
  const redact = (s: string): string => (token ? s.split(token).join('[REDACTED]') : s);
  const report = ImportReport.open(reportPath);
  const interrupt = new AbortController();
  const onSigint = (): void => {
    io.stderr.write('\ninterrupted: finishing the batches in flight (Ctrl-C again to quit at once)\n');
    interrupt.abort();
  };
  process.once('SIGINT', onSigint);
  let result: ImportRunResult;
  try {
    result = await runImport(
      { file, format, batchSize, concurrency, count: opts.count !== false },
      {
        sender: client,
        report,
        progress: io.stderr,
        tty: (io.stderr as { isTTY?: boolean }).isTTY === true,
        redact,
        retry: hooks.retry,
        signal: interrupt.signal,
      },
    );
  } finally {
    process.removeListener('SIGINT', onSigint);
    report.close();
  }
  printSummary(io, global.format, result, reportPath, redact);
  process.exitCode = result.counts.failed > 0 || result.stopped ? 1 : 0;
}

function printSummary(io: KeysIo, format: 'table' | 'json', r: ImportRunResult, reportPath: string, redact: (s: string) => string): void {
  const stopped = r.stopped && redact(r.stopped);
  if (format === 'json') {
    printResult(
      {
        created: r.counts.created,
        replayed: r.counts.replayed,
        already_existed: r.counts.existed,
        failed: r.counts.failed,
        elapsed_seconds: Math.round(r.elapsedMs) / 1000,
        keys_per_second: perSecond(settledCount(r.counts), r.elapsedMs),
        report: reportPath,
        ...(stopped ? { stopped, first_unsent_line: r.firstUnsentLine ?? null } : {}),
      },
      'json',
      undefined,
      io.stdout,
    );
  } else {
    io.stdout.write(`${formatSummary(r.counts, r.elapsedMs)}\n`);
  }
  if (r.counts.failed > 0) io.stderr.write(`${r.counts.failed} failed line(s) listed in ${reportPath}\n`);
  if (stopped) {
    const from = r.firstUnsentLine ? `; lines from ${r.firstUnsentLine} on were not sent` : '';
    io.stderr.write(
      `error: stopped: ${stopped.replace(/\s*\n\s*/g, ' ')}${from}. Re-run the same command to resume: imported lines are skipped as replayed.\n`,
    );
  }
}

/** Every check that needs no network; throws UsageError (exit 2) before anything is sent. */
function checkOptions(opts: ImportCliOptions): {
  file: string;
  format: ImportFormat;
  reportPath: string;
  batchSize: number;
  concurrency: number;
} {
  if (!opts.file) throw new UsageError('--file <path> is required');
  const file = opts.file;
  const batchSize = parsePositiveInt('--batch-size', opts.batchSize ?? String(MAX_BATCH_SIZE));
  if (batchSize > MAX_BATCH_SIZE) throw new UsageError(`--batch-size is at most ${MAX_BATCH_SIZE} (got ${batchSize})`);
  const concurrency = parsePositiveInt('--concurrency', opts.concurrency ?? '2');
  if (concurrency > MAX_CONCURRENCY) throw new UsageError(`--concurrency is at most ${MAX_CONCURRENCY} (got ${concurrency})`);
  let format: ImportFormat | undefined;
  if (opts.formatIn !== undefined) {
    const f = opts.formatIn.trim().toLowerCase();
    if (f !== 'jsonl' && f !== 'csv') throw new UsageError(`--format-in must be jsonl or csv (got "${opts.formatIn}")`);
    format = f;
  } else {
    format = formatFromPath(file);
    if (!format) throw new UsageError(`cannot tell the format of ${file} from its extension: give --format-in jsonl or csv`);
  }
  try {
    const fd = openSync(file, 'r');
    const isFile = fstatSync(fd).isFile();
    closeSync(fd);
    if (!isFile) throw new UsageError(`--file: ${file} is not a regular file`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const reportPath = opts.report ?? `${file}.import-report.jsonl`;
  if (resolve(reportPath) === resolve(file)) throw new UsageError('--report must not be the input file');
  return { file, format, reportPath, batchSize, concurrency };
}

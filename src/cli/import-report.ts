// The `keys import` report: one JSON line per failed input line, `{"line","error_code",
// "error_message"}`. Written synchronously, one write per batch, so memory stays flat even when
// every line fails. Security: callers pass only scrubbed messages; no key or digest is ever a field.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { LineResult } from './import-batch.js';
import { UsageError } from './keys-input.js';

export interface ReportSink {
  /** Appends the failed results among `results` (already in line order). */
  write(results: LineResult[]): void;
  close(): void;
}

export class ImportReport implements ReportSink {
  readonly #fd: number;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Creates or truncates `path`: the report describes the latest run only. */
  static open(path: string): ImportReport {
    try {
      return new ImportReport(openSync(path, 'w', 0o600));
    } catch (err) {
      throw new UsageError(`--report: cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }

  write(results: LineResult[]): void {
    let text = '';
    for (const r of results) {
      if (r.outcome !== 'failed') continue;
      text += `${JSON.stringify({ line: r.line, error_code: r.error_code ?? 'INTERNAL', error_message: r.error_message ?? '' })}\n`;
    }
    if (text) writeSync(this.#fd, text);
  }

  close(): void {
    closeSync(this.#fd);
  }
}

// RFC 4180 CSV, parsed incrementally from physical lines: a quoted field may hold commas, doubled
// quotes and line breaks (kept as "\n"). A record is reported with the line it starts on. Strict
// where leniency would guess: a quote inside an unquoted field, or text after a closing quote, makes
// the record bad. An unterminated quote would swallow the rest of the file, so a record is capped:
// past the cap (or at end of file) its first line is reported bad and the lines after it are
// parsed again, so one stray quote costs one line.
import type { FileLine } from './import-lines.js';

export type CsvRecord = { line: number; cells: string[] } | { line: number; error: string };

/** Largest record (all of its lines), in UTF-16 code units. */
export const MAX_RECORD_CHARS = 1 << 20;

export class CsvParser {
  #cells: string[] = [];
  #cell = '';
  #inQuotes = false;
  #afterQuote = false;
  /** The physical lines of the record in progress (only while it spans more than one). */
  #pending: FileLine[] = [];
  #size = 0;
  readonly #maxChars: number;

  constructor(maxChars = MAX_RECORD_CHARS) {
    this.#maxChars = maxChars;
  }

  /** Feeds one physical line; returns the records it completed (usually 0 or 1). */
  push(line: FileLine): CsvRecord[] {
    const out: CsvRecord[] = [];
    const queue: FileLine[] = [line];
    while (queue.length > 0) this.#step(queue.shift() as FileLine, queue, out);
    return out;
  }

  /** End of input: an open quoted field is reported and the lines after its start parsed again. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    while (this.#inQuotes) {
      const queue = this.#abandon(out, 'unterminated quoted field');
      while (queue.length > 0) this.#step(queue.shift() as FileLine, queue, out);
    }
    return out;
  }

  #step(line: FileLine, queue: FileLine[], out: CsvRecord[]): void {
    const continuing = this.#inQuotes;
    if (line.text === null) {
      // Close the open record first and parse its lines again; this line comes back after them.
      if (continuing) queue.unshift(...this.#abandon(out, 'unterminated quoted field'), line);
      else out.push({ line: line.no, error: 'line longer than 1 MiB' });
      return;
    }
    if (!continuing && line.text.trim() === '') return;
    this.#pending.push(line);
    this.#size += line.text.length + 1;
    if (continuing) this.#cell += '\n';
    const error = this.#scan(line.text);
    const start = this.#pending[0].no;
    if (error) {
      out.push({ line: start, error });
      this.#reset();
    } else if (!this.#inQuotes) {
      this.#cells.push(this.#cell);
      out.push({ line: start, cells: this.#cells });
      this.#reset();
    } else if (this.#size > this.#maxChars) {
      queue.unshift(...this.#abandon(out, 'unterminated quoted field (record longer than 1 MiB)'));
    }
  }

  /** Reports the open record's first line as bad; returns the lines after it, to be parsed again. */
  #abandon(out: CsvRecord[], error: string): FileLine[] {
    const [first, ...rest] = this.#pending;
    out.push({ line: first.no, error });
    this.#reset();
    return rest;
  }

  #reset(): void {
    this.#cells = [];
    this.#cell = '';
    this.#inQuotes = false;
    this.#afterQuote = false;
    this.#pending = [];
    this.#size = 0;
  }

  /** Scans one line into the record in progress; returns an error message, if any. */
  #scan(text: string): string | undefined {
    let i = 0;
    while (i < text.length) {
      if (this.#inQuotes) {
        const q = text.indexOf('"', i);
        if (q === -1) {
          this.#cell += text.slice(i);
          return undefined;
        }
        this.#cell += text.slice(i, q);
        if (text[q + 1] === '"') {
          this.#cell += '"';
          i = q + 2;
        } else {
          this.#inQuotes = false;
          this.#afterQuote = true;
          i = q + 1;
        }
        continue;
      }
      const ch = text[i];
      if (ch === ',') {
        this.#cells.push(this.#cell);
        this.#cell = '';
        this.#afterQuote = false;
        i += 1;
      } else if (this.#afterQuote) {
        return 'text after a closing quote (a quote inside a field must be doubled: "")';
      } else if (ch === '"') {
        if (this.#cell !== '') return 'quote inside an unquoted field (quote the whole field and double the quote)';
        this.#inQuotes = true;
        i += 1;
      } else {
        let j = i + 1;
        while (j < text.length && text[j] !== ',' && text[j] !== '"') j += 1;
        this.#cell += text.slice(i, j);
        i = j;
      }
    }
    return undefined;
  }
}

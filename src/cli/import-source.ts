// Turns the physical lines of an import file into batchCreate items or per-line errors, for the two
// input formats. Synchronous and incremental: the runner feeds lines as it reads them.
import type { ImportKeyRequest } from './api-types.js';
import { CsvParser, type CsvRecord } from './import-csv.js';
import { LineError, toImportItem } from './import-item.js';
import type { FileLine } from './import-lines.js';
import { parseRateLimit, UsageError } from './keys-input.js';

export type ImportFormat = 'jsonl' | 'csv';

/** `,"request_id":"imp-…"` (36-char id). */
const REQUEST_ID_FIELD_BYTES = 52;

export type SourceEntry =
  /** `bytes`: an upper estimate of the item's JSON size, when the decoder has one for free. */
  { line: number; item: ImportKeyRequest; bytes?: number } | { line: number; error_code: string; error_message: string };

export interface RecordDecoder {
  push(line: FileLine): SourceEntry[];
  end(): SourceEntry[];
}

/** `.jsonl`/`.ndjson` → jsonl, `.csv` → csv, anything else undefined. */
export function formatFromPath(path: string): ImportFormat | undefined {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  if (ext === 'csv') return 'csv';
  return undefined;
}

export function createDecoder(format: ImportFormat): RecordDecoder {
  return format === 'csv' ? new CsvDecoder() : new JsonlDecoder();
}

class JsonlDecoder implements RecordDecoder {
  push(line: FileLine): SourceEntry[] {
    if (line.text === null) return [bad(line.no, 'LINE_TOO_LONG', 'line longer than 1 MiB')];
    if (line.text.trim() === '') return [];
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch (err) {
      // Security: V8's message can quote the line, and the line may hold a key: keep the position only.
      const at = /at position (\d+)/.exec((err as Error).message)?.[1];
      return [bad(line.no, 'INVALID_JSON', at ? `not valid JSON (at position ${at})` : 'not valid JSON')];
    }
    const entry = toEntry(line.no, () => toImportItem(value, line.no));
    // Re-serialising parsed JSON hardly ever grows it (whitespace and escapes only shrink; only a
    // number in exponent form can expand), so the line's size plus the request_id we may add
    // stands in for a second JSON.stringify. A rare overshoot is a 413, and the batch is halved.
    if ('item' in entry) entry.bytes = line.bytes + REQUEST_ID_FIELD_BYTES;
    return [entry];
  }

  end(): SourceEntry[] {
    return [];
  }
}

/** Header cell → how a row's cell becomes an item field. Header names are case-insensitive. */
const CSV_COLUMNS: Record<string, (cell: string, into: Record<string, unknown>) => void> = {
  raw_key: (c, o) => (o.raw_key = c),
  sha256: (c, o) => (o.sha256 = c.trim()),
  name: (c, o) => (o.name = c.trim()),
  actor_id: (c, o) => (o.actor_id = c.trim()),
  scopes: (c, o) => (o.scopes = splitList(c)),
  ttl: (c, o) => (o.ttl = c.trim()),
  metadata: (c, o) => (o.metadata = parseMetadataCell(c)),
  request_id: (c, o) => (o.request_id = c.trim()),
  visibility: (c, o) => (o.visibility = c.trim()),
  allowed_cidrs: (c, o) => (o.ip_restriction = { allowed_cidrs: splitList(c) }),
  rate_limit: (c, o) => (o.rate_limit_policy = parseRateLimitCell(c)),
};

class CsvDecoder implements RecordDecoder {
  readonly #parser = new CsvParser();
  #columns: string[] | undefined;

  push(line: FileLine): SourceEntry[] {
    return this.#parser.push(line).flatMap((r) => this.#decode(r));
  }

  end(): SourceEntry[] {
    return this.#parser.end().flatMap((r) => this.#decode(r));
  }

  /** The first record is the header: it yields no entry. */
  #decode(record: CsvRecord): SourceEntry[] {
    if ('error' in record) {
      if (!this.#columns) throw new UsageError(`CSV header (line ${record.line}): ${record.error}`);
      return [bad(record.line, 'INVALID_CSV', record.error)];
    }
    if (!this.#columns) {
      this.#columns = checkHeader(record.cells, record.line);
      return [];
    }
    const columns = this.#columns;
    if (record.cells.length !== columns.length) {
      return [bad(record.line, 'INVALID_CSV', `expected ${columns.length} fields, found ${record.cells.length}`)];
    }
    return [
      toEntry(record.line, () => {
        const obj: Record<string, unknown> = {};
        record.cells.forEach((cell, i) => {
          // An empty cell means "not given", as an absent JSON field does.
          if (cell.trim() !== '') CSV_COLUMNS[columns[i]](cell, obj);
        });
        return toImportItem(obj, record.line);
      }),
    ];
  }
}

/** The header is checked before anything is sent: a wrong header is a usage error (exit 2). */
function checkHeader(cells: string[], line: number): string[] {
  const columns = cells.map((c) => c.trim().toLowerCase());
  const seen = new Set<string>();
  for (const c of columns) {
    if (!(c in CSV_COLUMNS)) {
      throw new UsageError(`CSV header (line ${line}): unknown column "${c}"; known: ${Object.keys(CSV_COLUMNS).join(', ')}`);
    }
    if (seen.has(c)) throw new UsageError(`CSV header (line ${line}): column "${c}" appears twice`);
    seen.add(c);
  }
  const missing = ['name', 'actor_id'].filter((c) => !seen.has(c));
  if (!seen.has('raw_key') && !seen.has('sha256')) missing.unshift('raw_key or sha256');
  if (missing.length) throw new UsageError(`CSV header (line ${line}): missing column ${missing.join(', ')}`);
  return columns;
}

/** `a b,c` / `a, b` → `['a','b','c']`: scopes and CIDRs never contain commas or spaces. */
function splitList(cell: string): string[] {
  return cell.split(/[\s,]+/).filter(Boolean);
}

function parseMetadataCell(cell: string): unknown {
  try {
    return JSON.parse(cell);
  } catch {
    throw new LineError('INVALID_ITEM', 'metadata is not valid JSON');
  }
}

function parseRateLimitCell(cell: string): unknown {
  try {
    return parseRateLimit(cell);
  } catch {
    throw new LineError('INVALID_ITEM', 'rate_limit must look like <quota>/<window>, e.g. 100/60s');
  }
}

function toEntry(line: number, build: () => ImportKeyRequest): SourceEntry {
  try {
    return { line, item: build() };
  } catch (err) {
    if (err instanceof LineError) return bad(line, err.code, err.message);
    throw err;
  }
}

function bad(line: number, code: string, message: string): SourceEntry {
  return { line, error_code: code, error_message: message };
}
